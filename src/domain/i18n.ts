import type { ErrorCode, SchemaIssue } from './errors.js';

export type Lang = 'zh' | 'en';
export type Text = { zh: string; en: string };

/** Picks the request's language from an Accept-Language header; Chinese unless English is preferred. */
export function pickLang(acceptLanguage: string | undefined | null): Lang {
  if (!acceptLanguage) return 'zh';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((x) => x.tag.length > 0 && x.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh';
}

export function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

const ERROR_MESSAGES: Record<ErrorCode, Text> = {
  VALIDATION_FAILED: { zh: '请求内容不正确：{detail}', en: 'The request is not valid: {detail}' },
  ROSTER_INVALID: { zh: '名单有 {count} 处错误，未导入任何数据', en: 'The roster has {count} error(s); nothing was imported' },
  ROSTER_TOO_COMPLEX: {
    zh: '{what}文件超出可处理的范围：{limit}为 {value}，上限 {max}',
    en: 'The {what} file is beyond what can be processed: {limit} is {value}, the limit is {max}',
  },
  ROSTER_REMOVES_MANY: {
    zh: '此名单将移除 {count} 名学生（占现有 {total} 名的 {percent}%，超过 {threshold}%），请再次确认移除人数后导入',
    en: 'This roster would remove {count} of {total} students ({percent}%, more than {threshold}%); confirm the number of removals to import it',
  },
  UNSUPPORTED_FILE: { zh: '无法读取该文件：{reason}。请上传 .xlsx 或 .csv 格式的{what}文件', en: 'This file cannot be read: {reason}. Upload the {what} file as .xlsx or .csv' },
  FILE_TOO_LARGE: { zh: '文件过大（上限 {limit}）', en: 'The file is too large (limit {limit})' },
  UPLOAD_TOO_MANY_FIELDS: { zh: '表单字段过多：最多 {limit} 个（文件除外）', en: 'Too many form fields: at most {limit} besides the file' },
  UPLOAD_TOO_MANY_FILES: { zh: '一次只能上传 {limit} 个文件（字段 {field}）', en: 'Only {limit} file per upload (field {field})' },
  UNSUPPORTED_MEDIA_TYPE: {
    zh: '不支持的请求内容类型（{type}）：此接口只接受 {accepted}',
    en: 'Unsupported request content type ({type}): this operation accepts {accepted} only',
  },
  CROSS_SITE_REQUEST: { zh: '拒绝来自其他网站的请求（{origin}）', en: 'Requests from another site are refused ({origin})' },
  RATE_LIMITED: { zh: '请求过于频繁，请 {seconds} 秒后再试', en: 'Too many requests; try again in {seconds} seconds' },
  SERVER_BUSY: {
    zh: '服务器正忙：同时处理的照片已达上限（{limit} 张），请 {seconds} 秒后重试',
    en: 'The server is busy: it is processing the most photos it takes at once ({limit}); try again in {seconds} seconds',
  },
  NOT_FOUND: { zh: '未找到', en: 'Not found' },
  STUDENT_NOT_FOUND: { zh: '未找到该学生', en: 'Student not found' },
  CAMPAIGN_NOT_FOUND: { zh: '未找到采集活动', en: 'Campaign not found' },
  USER_NOT_FOUND: { zh: '未找到该用户：{username}', en: 'User not found: {username}' },
  UNAUTHENTICATED: { zh: '请先登录', en: 'Please sign in' },
  SESSION_EXPIRED: { zh: '登录已过期，请重新登录', en: 'Your session has expired; please sign in again' },
  INVALID_CREDENTIALS: { zh: '用户名或密码错误', en: 'Wrong username or password' },
  TOTP_REQUIRED: { zh: '请输入动态验证码', en: 'Enter your one-time code' },
  TOTP_INVALID: { zh: '动态验证码错误', en: 'The one-time code is wrong' },
  TOO_MANY_ATTEMPTS: {
    zh: '登录尝试过多，请 {minutes} 分钟后再试',
    en: 'Too many sign-in attempts; try again in {minutes} minutes',
  },
  FORBIDDEN: { zh: '无权访问', en: 'You are not allowed to do this' },
  USERNAME_TAKEN: { zh: '用户名已存在：{username}', en: 'Username already taken: {username}' },
  CURRENT_PASSWORD_WRONG: { zh: '当前密码不正确，密码未修改', en: 'The current password is not right; the password was not changed' },
  VOID_REASON_REQUIRED: { zh: '请填写作废确认的原因（至少 2 个字），确认未作废', en: 'Give the reason for voiding the confirmation (at least 2 characters); the confirmation was not voided' },
  CANNOT_DISABLE_SELF: { zh: '不能停用自己的账号：请由另一位管理员操作', en: 'You cannot switch off your own account: ask another admin' },
  DEPARTMENT_UNKNOWN: { zh: '院系不在本次采集活动中：{department}', en: 'Not a department of this campaign: {department}' },
  CAMPAIGN_TERM_DUPLICATE: { zh: '毕业时间 {term} 在 {field} 中重复出现', en: 'The term {term} is listed more than once in {field}' },
  CONFLICT: { zh: '数据已被修改，请刷新后重试', en: 'The data changed meanwhile; reload and try again' },
  AUDIT_CHAIN_BROKEN: { zh: '审计日志校验失败：第 {seq} 条', en: 'Audit log verification failed at event {seq}' },
  INTERNAL: { zh: '服务器内部错误', en: 'Internal server error' },
  SESSION_FULL: { zh: '该时段已约满，可加入候补', en: 'This session is full; you can join its waitlist' },
  SESSION_NOT_FOUND: { zh: '未找到该采集时段', en: 'Session not found' },
  SESSION_IN_PAST: { zh: '该时段已开始或已结束，不能预约', en: 'This session has already started or ended' },
  STUDENT_NOT_ELIGIBLE: { zh: '该学生无需参加本次采集（{rule}），不能预约或拍摄', en: 'This student does not take part in this campaign ({rule}) and cannot book or be photographed' },
  WRONG_SITE: { zh: '只能预约本人采集地点（{site}）的时段', en: 'Only sessions at the student’s own site ({site}) can be booked' },
  WEEKEND_NOT_ALLOWED: {
    zh: '周末时段仅供在职研究生或本院系安排在周末的学生预约',
    en: 'Weekend sessions are for employed students and departments scheduled on the weekend',
  },
  BOOKING_NOT_FOUND: { zh: '没有有效的预约', en: 'No active booking' },
  ALREADY_WAITLISTED: { zh: '已在该时段的候补名单中', en: 'Already on this session’s waitlist' },
  IDEMPOTENCY_KEY_REUSED: {
    zh: 'Idempotency-Key 已用于另一个不同的请求',
    en: 'This Idempotency-Key was already used for a different request',
  },
  CAPACITY_BELOW_BOOKINGS: {
    zh: '调整后有 {count} 个时段的预约人数超过容量，请先处理受影响的学生',
    en: 'After this change {count} session(s) would hold more bookings than seats; deal with the affected students first',
  },
  TOO_MANY_CONNECTIONS: { zh: '实时更新的连接已满（上限 {limit}），页面将定时刷新', en: 'Too many live-update connections (limit {limit}); the page will refresh periodically' },
  TOO_MANY_STREAMS: { zh: '您已打开 {limit} 个实时更新页面（上限），请关闭其中一些后刷新', en: 'You already have {limit} live-update pages open (the limit); close some and reload' },
  BOARD_STREAMS_PER_ADDRESS: {
    zh: '同一网络地址最多同时打开 {limit} 个叫号屏实时连接，已达上限：请关闭不用的叫号屏页面（本页面改为每隔几秒刷新）',
    en: 'One network address may keep at most {limit} live call boards open, and this one has reached it: close the boards you do not use (this page refreshes every few seconds instead)',
  },
  BOARD_VIEWERS_FULL: { zh: '叫号屏的实时连接已满（本服务器上限 {limit}），请稍后重试', en: 'Too many call boards are open on this server (limit {limit}); try again shortly' },
  PHOTO_EMPTY: { zh: '照片文件为空（0 字节）', en: 'The photo file is empty (0 bytes)' },
  PHOTO_FORMAT_UNSUPPORTED: { zh: '不支持的照片格式：{format}。只接受相机拍摄的 JPEG（.jpg）照片', en: 'Unsupported photo format: {format}. Only camera JPEG (.jpg) photos are accepted' },
  PHOTO_TOO_MANY_PIXELS: { zh: '照片像素过多：{width} × {height}（上限 {limit} 像素）', en: 'The photo has too many pixels: {width} × {height} (limit {limit} pixels)' },
  PHOTO_TRUNCATED: { zh: '照片文件不完整（传输中断或文件损坏），请重新上传', en: 'The photo file is incomplete (cut off or damaged); upload it again' },
  PHOTO_CMYK_UNSUPPORTED: { zh: '照片为 CMYK 色彩且没有可用的 ICC 色彩配置文件，无法转换为 RGB。请让相机输出 sRGB JPEG', en: 'The photo is CMYK without a usable ICC profile and cannot be converted to RGB; set the camera to sRGB JPEG' },
  PHOTO_UNREADABLE: { zh: '无法解码该照片：{reason}', en: 'The photo cannot be decoded: {reason}' },
  PHOTO_CHECKSUM_MISMATCH: { zh: '收到的文件校验值（SHA-256）与声明的不一致，请重新上传', en: 'The SHA-256 of the received file does not match the one declared; upload it again' },
  PHOTO_NOT_FOUND: { zh: '未找到该照片', en: 'Photo not found' },
  PHOTO_CONFIRMATION_VOIDED: { zh: '这张照片的确认已被撤销（管理员注明原因，或学信网反馈有误），不能再次确认；请重新拍摄', en: 'The confirmation of this shot was voided (by an admin with a reason, or by the registry’s answer): it cannot be confirmed again; take a new photo' },
  PHOTO_ALREADY_CONFIRMED: { zh: '该学生已确认照片，不能再拍摄或修改（C3）；如确需重拍，须由管理员注明原因撤销确认', en: 'This student has already confirmed a photo; no retakes or edits (C3) unless an admin voids the confirmation with a reason' },
  PHOTO_NOT_CONFIRMABLE: { zh: '该照片未通过检查，不能确认：{reason}', en: 'This photo did not pass its checks and cannot be confirmed: {reason}' },
  CONFIRMATION_NOT_FOUND: { zh: '该学生没有已确认的照片', en: 'This student has no confirmed photo' },
  PHOTO_CONFIRMED: {
    zh: '学号 {studentNo} 的照片已于 {date} 确认，采集已完成，不能再预约（C3）',
    en: 'Student {studentNo} confirmed their photo on {date}: the capture is done and no booking can be made (C3)',
  },
  PHOTO_NOT_AWAITING_CONFIRMATION: {
    zh: '这张照片现在不在等待确认（可能已重拍，或工位已取消确认请求）：请确认工位屏幕上正在显示的照片',
    en: 'This photo is not awaiting confirmation any more (a new shot was taken or the station withdrew the request): confirm the one the station shows',
  },
  REVIEW_PAIRING_INVALID: {
    zh: '配对码“{code}”无效、已使用或已过期：请在工位上点“配对学生确认屏”生成新的配对码',
    en: 'Pairing code "{code}" is wrong, already used or expired: press "Pair the review screen" at the station for a new one',
  },
  REVIEW_PAIRING_LOCKED: {
    zh: '工位 {stationId} 的配对码已输错 {attempts} 次，为安全起见已作废：请在工位上重新生成配对码',
    en: 'The pairing code of station {stationId} was entered wrongly {attempts} times and has been cancelled for safety: make a new one at the station',
  },
  REVIEW_SCREEN_NOT_PAIRED: {
    zh: '该屏幕尚未与工位 {stationId} 配对，或配对已失效（每天结束时失效）：请输入工位上显示的配对码',
    en: 'This screen is not paired with station {stationId}, or its pairing ended (pairings end each day): enter the code the station shows',
  },
  KEY_UNAVAILABLE: { zh: '无法读取加密密钥：{reason}', en: 'The encryption key cannot be read: {reason}' },
  DATABASE_MIGRATION_FAILED: {
    zh: '数据库升级失败（迁移 {migration}）：{reason}。数据库保持升级前的状态（各迁移在同一事务中执行）；请修复原因后重新启动',
    en: 'The database upgrade failed (migration {migration}): {reason}. The database stays as it was before the upgrade (the migrations run in one transaction); fix the cause and start again',
  },
  DATABASE_UNAVAILABLE: {
    zh: '无法连接数据库 {where}：{reason}。请检查 DATABASE_URL（主机、端口、用户名、密码、数据库名）以及数据库服务是否在运行',
    en: 'The database {where} cannot be reached: {reason}. Check DATABASE_URL (host, port, user, password, database name) and that the database server is running',
  },
  MAIL_ADDRESS_INVALID: { zh: '邮箱地址无效：{address}', en: 'Invalid e-mail address: {address}' },
  BLOB_STORE_OTHER_INSTALLATION: {
    zh: '照片存储“{location}”属于另一个 gradphoto 安装（其标记对象 {marker} 记录的安装编号为 {found}，本数据库为 {installation}）：为免删除对方的照片，已拒绝使用。请为本安装换一个前缀（BLOB_STORE_URL），或连接该前缀所属的数据库',
    en: 'The photo store "{location}" belongs to another gradphoto installation (its marker object {marker} holds the installation id {found}; this database is {installation}): refused, so as not to remove that installation\'s photos. Give this installation a prefix of its own (BLOB_STORE_URL), or connect the database that prefix belongs to',
  },
  BLOB_STORE_NOT_EMPTY: {
    zh: '照片存储“{location}”已有对象，但没有本安装的标记对象 {marker}：可能是另一个安装的照片，或是标记出现之前写入的本安装照片。为免删除它们，已拒绝使用。请为本安装换一个空前缀；若确认这些对象属于本安装（编号 {installation}），在该前缀下创建内容为“{installation}”的对象 {marker}（例如 aws s3 cp），然后重新启动',
    en: 'The photo store "{location}" already holds objects but no marker object {marker} of this installation: they may be another installation\'s photos, or this installation\'s written before markers existed. Refused, so as not to remove them. Give this installation an empty prefix; or, if these objects are this installation\'s (id {installation}), create the object {marker} holding "{installation}" under that prefix (e.g. with aws s3 cp) and start again',
  },
  BLOB_SOURCE_MISSING: { zh: '数据目录“{dir}”不存在，没有可迁移的照片；未创建任何内容', en: 'The data directory "{dir}" does not exist: there are no photos to migrate; nothing was created' },
  BLOB_STORE_UNAVAILABLE: { zh: '照片存储暂时不可用：{reason}。本次操作未完成，未丢失任何已保存的照片，请稍后重试', en: 'The photo store is unavailable: {reason}. This operation was not completed and no stored photo was lost; try again later' },
  MAIL_NOT_CONFIGURED: { zh: '未配置邮件服务器（SMTP_URL）', en: 'No mail server is configured (SMTP_URL)' },
  SIGNIN_LINK_INVALID: { zh: '登录链接无效、已使用或已过期，请重新获取', en: 'This sign-in link is invalid, already used or expired; ask for a new one' },
  OIDC_NOT_CONFIGURED: { zh: '未配置统一身份认证（OIDC）', en: 'Campus single sign-on (OIDC) is not configured' },
  OIDC_FAILED: { zh: '统一身份认证失败：{reason}', en: 'Campus sign-on failed: {reason}' },
  OIDC_NO_STUDENT: { zh: '统一身份认证账号 {account} 不在本次采集名单中', en: 'The campus account {account} is not on this campaign\'s roster' },
  COLLECTION_CODE_INVALID: {
    zh: '采集码须为 1–2048 个可打印字符，不得含控制字符、文字方向控制符、零宽字符或不成对的代理项（收到 {length} 个字符；不允许的字符：{chars}）',
    en: 'The collection code must be 1–2,048 printable characters, without control, bidirectional-text or zero-width characters or lone surrogates (received {length} characters; not allowed: {chars})',
  },
  COLLECTION_CODE_IN_USE: { zh: '该采集码已由另一名学生使用，不能用于学号 {studentNo}（C1）', en: 'This collection code is already used by another student and cannot be used for student {studentNo} (C1)' },
  COLLECTION_CODE_MISMATCH: {
    zh: '学号 {studentNo} 已使用尾号为 {last4} 的采集码签到，本次出示的采集码与之不符（C1）',
    en: 'Student {studentNo} checked in with the collection code ending in {last4}; the code presented now is a different one (C1)',
  },
  COLLECTION_CODE_IS_STUDENT_NO: {
    zh: '“{code}”是学号，不是采集码：请扫描学生手机上学信网的采集码（未签到，未绑定）',
    en: '"{code}" is a student number, not a collection code: scan the code on the student\'s phone (not checked in, nothing bound)',
  },
  PAYMENT_REQUIRED: { zh: '学号 {studentNo} 尚未缴费：请先完成电子支付再取号（P1）', en: 'Student {studentNo} has not paid yet: pay electronically before taking a queue number (P1)' },
  TICKET_NOT_FOUND: { zh: '未找到该排队号', en: 'Queue ticket not found' },
  TICKET_NOT_CALLED: { zh: '排队号 {number} 当前状态为“{status}”，只有已叫号的排队号可以重呼、过号或转机位', en: 'Ticket {number} is {status}; only a called ticket can be recalled, skipped or transferred' },
  STATION_UNKNOWN: {
    zh: '没有机位“{stationId}”：{site}的机位是 {known}（或已在该站点叫过号的机位）',
    en: 'There is no station "{stationId}": the stations of {site} are {known} (or one that has called a ticket there)',
  },
  STATION_STUDENT_UNCONFIRMED: {
    zh: '机位 {stationId} 的 {number} 号还没有确认照片：请先请学生确认，或过号、转机位；若学生已离开，在本机位页面按“叫下一位”并确认',
    en: 'Ticket {number} at station {stationId} has no confirmed photo yet: have the student confirm, skip or transfer them; if the student has left, press "Call next" on the station page and confirm',
  },
  STATION_BUSY: { zh: '机位 {stationId} 正在为 {number} 号服务，请先在该机位完成或过号后再转过去', en: 'Station {stationId} is serving ticket {number}; finish or skip it there before transferring another student to it' },
  PAYMENT_TRANSACTION_INVALID: {
    zh: '“{field}”应为{expected}，收到“{value}”（{length} 位）（P1）',
    en: '"{field}" must be {expected}; received "{value}" ({length} characters) (P1)',
  },
  PAYMENT_AMOUNT_MISMATCH: {
    zh: '金额应为 {expectedYuan} 元（{expectedFen} 分），收到 {amountYuan} 元（{amountFen} 分）（P1）',
    en: 'The amount must be {expectedYuan} yuan ({expectedFen} fen); received {amountYuan} yuan ({amountFen} fen) (P1)',
  },
  PAYMENT_REFERENCE_IN_USE: {
    zh: '{method}交易号 {transactionId} 已用于另一名学生的缴费，不能再记给学号 {studentNo}',
    en: 'The {method} transaction {transactionId} already paid for another student and cannot be recorded for student {studentNo}',
  },
  ALREADY_PAID: {
    zh: '学号 {studentNo} 已于 {paidAt} 用{method}交易号 {transactionId} 缴费；如学生确实重复支付，请勾选“重复支付（待退款）”再记录',
    en: 'Student {studentNo} already paid at {paidAt} with {method} transaction {transactionId}; if the student really paid twice, record it as a duplicate (to refund)',
  },
  PAYMENT_STATEMENT_INVALID: { zh: '对账单第 {line} 行：{reason}（“{value}”）；未导入任何内容', en: 'Statement line {line}: {reason} ("{value}"); nothing was imported' },
  // make-up captures (issue 10 section 3, S6)
  OUTLET_NOT_FOUND: { zh: '没有补采门店“{outletId}”', en: 'There is no make-up outlet "{outletId}"' },
  OUTLET_EXISTS: { zh: '门店编号“{outletId}”已被使用，请换一个编号', en: 'The outlet id "{outletId}" is taken; choose another one' },
  OUTLET_CITY_NOT_ALLOWED: {
    zh: '门店所在城市“{city}”不是补采城市：补采只能在{allowed}的门店进行，其他城市门店拍摄的照片无效（S6）',
    en: 'The outlet\'s city "{city}" is not the make-up city: make-ups are taken only at outlets in {allowed}; photos taken at outlets in other cities are invalid (S6)',
  },
  OUTLET_INACTIVE: { zh: '补采门店“{outletId}”已停用，不能记录补采；请管理员在“补采”页重新启用', en: 'The make-up outlet "{outletId}" is inactive and cannot record make-ups; an admin can reactivate it on the Make-up page' },
  MAKEUP_NOT_YET_OPEN: { zh: '补采尚未开始：学校的集中采集到 {lastDay} 结束，补采自 {opensOn} 起', en: 'Make-ups have not started: the school\'s campaign runs until {lastDay}; make-ups open on {opensOn}' },
  CAMPAIGN_ENDED: {
    zh: '学校的集中采集已于 {lastDay} 结束，学校的采集站点不再拍照：补采请到{cityZh}的补采门店{deadlineZh}',
    en: "The school's campaign ended on {lastDay}: its stations take no more photos. Make-ups are taken at the outlets in {cityEn}{deadlineEn}",
  },
  MAKEUP_DEADLINE_TERM_UNKNOWN: { zh: '补采截止日期：{term} 不是本次采集的毕业时间（{termsZh}）', en: 'Make-up deadline: {term} is not a graduation term of this campaign ({termsEn})' },
  MAKEUP_DEADLINE_NOT_A_DATE: {
    zh: '{term} 毕（结）业学生的补采截止日期“{value}”不是有效日期（格式为 YYYY-MM-DD，如 {example}）',
    en: 'The make-up deadline for students finishing in {term}, "{value}", is not a date (YYYY-MM-DD, e.g. {example})',
  },
  MAKEUP_DEADLINE_BEFORE_OPENING: {
    zh: '{term} 毕（结）业学生的补采截止日期 {value} 早于补采开始日期 {opensOn}（学校的集中采集到 {lastDay} 结束）',
    en: 'The make-up deadline for students finishing in {term}, {value}, is before make-ups open on {opensOn} (the campaign ends on {lastDay})',
  },
  MAKEUP_DEADLINE_PASSED: { zh: '已过补采截止日期：{term} 毕（结）业学生的补采截止日期为 {deadline}', en: 'The make-up deadline has passed: for students finishing in {term} it was {deadline}' },
  // the registry package (issue 10 section 1, A1)
  EXPORT_KEY_INVALID: { zh: '“{source}”不是 OpenPGP 公钥（应为学信网提供的 .asc 公钥文件）；未导出任何内容', en: '"{source}" is not an OpenPGP public key (expected the registry\'s .asc public key file); nothing was exported' },
  EXPORT_KEY_PRIVATE: { zh: '“{source}”是私钥：接收方只应提供公钥，私钥不得交给导出方；未导出任何内容', en: '"{source}" is a private key: the recipient gives only their public key, never the private one; nothing was exported' },
  EXPORT_KEY_EXPIRED: { zh: '“{source}”中的公钥（{fingerprint}）已于 {expiredAt} 过期；请向学信网索取新的公钥；未导出任何内容', en: 'The public key in "{source}" ({fingerprint}) expired on {expiredAt}; ask the registry for a new one; nothing was exported' },
  EXPORT_KEY_UNUSABLE: { zh: '“{source}”中的公钥（{fingerprint}）不能用于加密：{reason}；未导出任何内容', en: 'The public key in "{source}" ({fingerprint}) cannot encrypt: {reason}; nothing was exported' },
  EXPORT_SIGNING_KEY_INVALID: { zh: '签名密钥“{source}”不可用：{reason}；未导出任何内容', en: 'The signing key "{source}" cannot be used: {reason}; nothing was exported' },
  EXPORT_RECIPIENT_REQUIRED: { zh: '请提供学信网的 OpenPGP 公钥（或在数据目录中放置 keys/registry-recipient.asc）；未导出任何内容', en: 'Give the registry\'s OpenPGP public key (or place keys/registry-recipient.asc in the data directory); nothing was exported' },
  EXPORT_OUT_DIR_UNWRITABLE: { zh: '输出目录“{dir}”不可写入：{reason}；未导出任何内容', en: 'The output directory "{dir}" cannot be written: {reason}; nothing was exported' },
  EXPORT_PATTERN_INVALID: { zh: '文件名格式“{pattern}”不可用：{reason}；未导出任何内容', en: 'The file name pattern "{pattern}" cannot be used: {reason}; nothing was exported' },
  EXPORT_IN_PROGRESS: { zh: '另一批导出正在生成（{startedAt} 开始，已完成 {done}/{total}）；请等它结束后再试', en: 'Another batch is being built (started {startedAt}, {done}/{total} done); try again when it has finished' },
  EXPORT_NOT_FOUND: { zh: '没有这批导出', en: 'No such export batch' },
  EXPORT_FILE_MISSING: { zh: '这批导出的文件“{file}”已不在服务器上（已移走或删除）', en: 'The file of this batch, "{file}", is no longer on the server (moved or deleted)' },
  PRINT_NOTHING_TO_PRINT: { zh: '{scope}没有待打印的照片（已确认、有效、未打印的照片均已在打印批次中）；未创建批次', en: 'Nothing to print for {scope} (every confirmed, valid photo is in a print batch already); no batch was created' },
  PRINT_BATCH_NOT_FOUND: { zh: '没有这个打印批次', en: 'No such print batch' },
  PRINT_BATCH_NOT_OPEN: { zh: '打印批次 {number} 已于 {at} 送出，不能再送出或修改', en: 'Print batch {number} was sent on {at}; it cannot be sent or changed again' },
  PRINT_BATCH_NOT_SENT: { zh: '打印批次 {number} 尚未由制作方送出，不能签收', en: 'Print batch {number} has not been sent by the agency yet; it cannot be received' },
  PRINT_BATCH_ALREADY_RECEIVED: { zh: '打印批次 {number} 已于 {at} 由 {by} 签收（{count} 套），不能重复签收', en: 'Print batch {number} was received on {at} by {by} ({count} sets); it cannot be received twice' },
  PRINT_COUNT_MISMATCH: { zh: '清点数量 {count} 与送出数量 {expected} 不符；请重新清点，或填写差异说明后再签收', en: 'The counted {count} does not match the {expected} sent; count again, or enter a note on the difference to receive them' },
  PRINT_SEND_COUNT_MISMATCH: { zh: '送出数量 {count} 与批次中的 {expected} 套不符；请重新清点后再送出', en: 'The count {count} does not match the {expected} sets of the batch; count again before sending it' },
  PRINT_DEPARTMENT_NOT_IN_BATCH: { zh: '打印批次 {number} 中没有“{department}”的照片', en: 'Print batch {number} holds no photos of "{department}"' },
  PRINT_NOTHING_TO_DELIVER: { zh: '研究生院没有“{department}”待发放的照片（已签收的打印批次中没有未发出的）', en: 'The graduate school has no prints of "{department}" to send (none of the received batches holds any not yet sent)' },
  PRINT_DELIVERY_NOT_FOUND: { zh: '没有这次发放', en: 'No such delivery' },
  PRINT_DELIVERY_ALREADY_RECEIVED: { zh: '这次发放（“{department}”，{count} 套）已于 {at} 由 {by} 签收，不能重复签收', en: 'This delivery ("{department}", {count} sets) was received on {at} by {by}; it cannot be received twice' },
  PRINT_DEPARTMENT_REQUIRED: { zh: '请选择院系：{choicesZh}', en: 'Choose a department: {choicesEn}' },
  PRINT_DEPARTMENT_FORBIDDEN: { zh: '“{department}”不是您负责的院系，不能办理其照片的交接', en: '"{department}" is not one of your departments; you cannot hand over its prints' },
  PRINT_STUDENTS_REFUSED: { zh: '以下学号不能标记为已领取，未做任何更改：{list}', en: 'These student numbers cannot be marked as handed over; nothing was changed: {list}' },
  PRINT_NOT_GIVEN: { zh: '您的照片尚未送到院系（{state}），不能确认领取', en: 'Your prints have not reached your department yet ({state}); you cannot confirm receiving them' },
  PRINT_VOIDED: { zh: '您这套照片对应的照片确认已撤销，照片作废，不能领取', en: 'The confirmation of the photo these prints show was voided: the prints are void and cannot be handed over' },
  REGISTRY_ANSWER_INVALID: { zh: '学信网反馈文件有 {count} 处错误，未导入任何数据', en: 'The registry\'s answer file has {count} bad row(s); nothing was imported' },
  REGISTRY_ANSWER_NO_STUDENT_COLUMN: { zh: '反馈文件中没有“学号”列（表头为：{headers}）；未导入任何数据', en: 'The answer file has no student-number column (学号 / student no.; its header reads: {headers}); nothing was imported' },
  REGISTRY_ANSWER_NO_STATUS_COLUMN: {
    zh: '反馈文件中没有状态列（如“状态”“结果”“校对结果”；表头为：{headers}）；未导入任何数据',
    en: 'The answer file has no status column (状态 / status / result; its header reads: {headers}); nothing was imported',
  },
  REGISTRY_ANSWER_EMPTY: { zh: '反馈文件只有表头，没有任何学生的结果；未导入任何数据', en: 'The answer file has a header but no student\'s result; nothing was imported' },
  PHOTO_DELETED: { zh: '{whatZh}已按保留策略删除（{date}），无法再查看', en: 'The {whatEn} was deleted under the retention policy ({date}) and can no longer be viewed' },
  RETENTION_DAYS_INVALID: { zh: '保留策略的“{fieldZh}”必须是 0 到 3650 之间的整数天数，收到的是“{value}”；策略未更改', en: 'The retention policy’s "{fieldEn}" must be a whole number of days from 0 to 3650, not "{value}"; the policy was not changed' },
  RETENTION_RUN_IN_PROGRESS: { zh: '另一次删除运行正在进行（{startedAt} 开始）；请等它结束后再试', en: 'Another purge run is in progress (started {startedAt}); try again when it has finished' },
  CAMPAIGN_CLOSED: { zh: '采集活动已于 {date} 关闭：其数据不再更改（预约、签到、照片及其确认、打印与交接、补采网点、学信网上传包与回执）', en: 'The campaign was closed on {date}: its data no longer changes (bookings, check-ins, photos and their confirmations, prints and hand-overs, make-up outlets, registry packages and answers)' },
  CAMPAIGN_CLOSE_BLOCKED: { zh: '采集活动暂不能关闭，仍有未完成的事项：{open}', en: 'The campaign cannot be closed yet; still open: {open}' },
  CAMPAIGN_CLOSE_CONFIRM_MISMATCH: { zh: '确认内容不符：请输入采集活动编号“{expected}”以关闭采集活动', en: 'Confirmation does not match: type the campaign id "{expected}" to close the campaign' },
  CAMPAIGN_CLOSE_REASON_REQUIRED: { zh: '仍有学生的补采期限未到；强制关闭须填写原因', en: 'Some students’ make-up deadline has not passed yet; closing anyway needs a reason' },
  BACKUP_OUT_EXISTS: { zh: '“{file}”已存在：备份不会覆盖已有文件，请换一个文件名', en: '"{file}" already exists: a backup never overwrites a file; choose another name' },
  BACKUP_NOT_A_BACKUP: { zh: '“{file}”不是 gradphoto 备份文件：{reason}', en: '"{file}" is not a gradphoto backup: {reason}' },
  BACKUP_DAMAGED: { zh: '备份“{file}”已损坏：{reason}；未恢复任何内容', en: 'The backup "{file}" is damaged: {reason}; nothing was restored' },
  BACKUP_KEYS_REQUIRED: { zh: '备份“{file}”不含密钥（备份时使用了 --without-keys）：请用 --keys 指定单独保存的密钥文件', en: 'The backup "{file}" holds no keys (it was made with --without-keys): give the keys file kept apart with --keys' },
  BACKUP_KEYS_MISMATCH: { zh: '密钥文件“{file}”不属于这份备份（备份 {expected}，密钥文件属于 {actual}）', en: 'The keys file "{file}" belongs to another backup (this backup is {expected}, the keys file {actual})' },
  BACKUP_ENGINE_MISMATCH: { zh: '这份备份来自 {backup} 数据库，当前配置为 {target}：{hint}', en: 'This backup comes from a {backup} database, but {target} is configured: {hint}' },
  BACKUP_SOURCE_MISSING: { zh: '数据目录“{dir}”中没有数据库，无可备份', en: 'There is no database in the data directory "{dir}": nothing to back up' },
  RESTORE_TARGET_NOT_EMPTY: { zh: '恢复目标“{target}”不是空的：恢复只写入空目录和空数据库，不会覆盖现有数据', en: 'The restore target "{target}" is not empty: a restore only writes into an empty directory and an empty database, never over existing data' },
  PG_TOOL_MISSING: { zh: '找不到 PostgreSQL 客户端程序 {tool}（在 /usr/lib/postgresql/*/bin 和 PATH 中查找过）：请安装 postgresql-client（Debian：apt-get install postgresql-client）', en: 'The PostgreSQL client program {tool} was not found (looked in /usr/lib/postgresql/*/bin and PATH): install postgresql-client (Debian: apt-get install postgresql-client)' },
  PG_TOOL_FAILED: { zh: '{tool} 执行失败：{reason}', en: '{tool} failed: {reason}' },
};

/** Code-like values that error messages carry as parameters, shown in words. */
const PARAM_WORDS: Record<string, Text> = {
  // which limit a roster file exceeded (ROSTER_TOO_COMPLEX {limit}); the limits are in src/adapters/roster-limits.ts
  'roster-columns': { zh: '列数', en: 'the number of columns' },
  'roster-rows': { zh: '行数', en: 'the number of rows' },
  'roster-cell-length': { zh: '单元格长度（字符）', en: 'the length of a cell (characters)' },
  'xlsx-shared-strings': { zh: '共享字符串数', en: 'the number of shared strings' },
  'xlsx-shared-string-chars': { zh: '共享字符串总长度（字符）', en: 'the total length of the shared strings (characters)' },
  'xlsx-compression-ratio': { zh: '压缩比', en: 'the compression ratio' },
  'xlsx-uncompressed-size': { zh: '解压后的大小', en: 'the unpacked size' },
  'xlsx-zip-entries': { zh: '压缩包内的文件数', en: 'the number of files in the zip' },
  'roster-memory': { zh: '读取所需的内存', en: 'the memory needed to read it' },
  // what a file read by the roster reader is (UNSUPPORTED_FILE, ROSTER_TOO_COMPLEX {what}; src/adapters/roster-file.ts)
  'file-roster': { zh: '名单', en: 'roster' },
  'file-registry-answer': { zh: '学信网反馈', en: 'registry answer' },
  beijing: { zh: '北京', en: 'Beijing' },
  shenzhen: { zh: '深圳', en: 'Shenzhen' },
  'not-in-campaign': { zh: '不在本次采集范围', en: 'not in this campaign' },
  // the registry package (EXPORT_* {reason})
  'pattern-separator': { zh: '不能含有路径分隔符（/ 或 \\）或“..”', en: 'it must not hold a path separator (/ or \\) or ".."' },
  'pattern-placeholder': { zh: '只能使用 <studentNo>（学号）和 <department>（院系）两个占位符，身份证号等其他信息不得写入文件名', en: 'only the placeholders <studentNo> and <department> may be used; ID numbers and other data must not be in a file name' },
  'pattern-student-no': { zh: '必须含有 <studentNo>（每个文件名须唯一）', en: 'it must hold <studentNo> (every file name must be unique)' },
  'pattern-extension': { zh: '必须以 .jpg 结尾', en: 'it must end with .jpg' },
  'pattern-characters': { zh: '含有不允许的字符（控制字符或 :*?"<>|）或过长（最多 100 个字符）', en: 'it holds characters that are not allowed (control characters or :*?"<>|) or is too long (at most 100 characters)' },
  'pattern-invisible': {
    zh: '含有看不见的控制字符、文字方向控制符或零宽字符（上面以 ‹U+…› 标出；如 U+202E 会让文件名倒过来显示）',
    en: 'it holds invisible control, text-direction or zero-width characters (marked ‹U+…› above; U+202E, for one, makes a file name display backwards)',
  },
  'pattern-national-id': { zh: '生成的文件名中出现了形似身份证号的数字', en: 'a rendered file name holds a number shaped like an ID number' },
  'key-revoked': { zh: '已被吊销', en: 'it is revoked' },
  'key-no-encryption': { zh: '没有可用于加密的子密钥', en: 'it has no subkey that can encrypt' },
  'key-not-private': { zh: '不是私钥（签名需要导出方自己的私钥）', en: 'it is not a private key (signing needs the exporter\'s own private key)' },
  'key-locked': { zh: '私钥有口令保护：请在环境变量 GRADPHOTO_SIGN_PASSPHRASE 中提供口令', en: 'the private key is protected by a passphrase: give it in GRADPHOTO_SIGN_PASSPHRASE' },
  'key-passphrase': { zh: '口令不正确', en: 'the passphrase is wrong' },
  'key-missing': { zh: '数据目录中没有该密钥文件', en: 'there is no such key file in the data directory' },
  'key-cannot-sign': { zh: '不能用于签名（已过期、已吊销或没有签名子密钥）', en: 'it cannot sign (expired, revoked or no signing subkey)' },
  'dir-not-directory': { zh: '这是一个文件，不是目录', en: 'it is a file, not a directory' },
  'dir-permission': { zh: '没有写入权限', en: 'permission denied' },
  'dir-missing': { zh: '目录不存在且无法创建', en: 'it does not exist and cannot be created' },
  'dir-read-only': { zh: '文件系统只读', en: 'the file system is read-only' },
  'dir-no-space': { zh: '磁盘空间不足', en: 'no space left on the device' },
  // a camera file that cannot be decoded (PHOTO_UNREADABLE {reason}); src/adapters/image-decode.ts
  'jpeg-not-jpeg': { zh: '文件不是 JPEG 照片', en: 'the file is not a JPEG photo' },
  'jpeg-damaged': { zh: '照片文件已损坏（可能传输不完整或被改动），请从相机重新导出或重拍', en: 'the file is damaged (an incomplete copy or an altered file): export it from the camera again, or take the shot again' },
  'jpeg-unsupported': { zh: '照片使用了不支持的 JPEG 编码方式，请在相机中改用标准 JPEG 格式保存', en: 'the photo uses a JPEG encoding that is not supported: save it as a standard JPEG in the camera' },
  'jpeg-components': { zh: '颜色通道数不受支持（应为灰度、RGB 或 CMYK）', en: 'its number of colour channels is not supported (greyscale, RGB or CMYK expected)' },
  // the photo store (BLOB_STORE_UNAVAILABLE {reason}); src/adapters/s3-blob-store.ts
  'store-unreachable': { zh: '无法连接对象存储服务', en: 'the object store cannot be reached' },
  'store-timeout': { zh: '对象存储服务响应超时', en: 'the object store did not answer in time' },
  'store-server-error': { zh: '对象存储服务返回了服务器错误（5xx）', en: 'the object store answered with a server error (5xx)' },
  'store-access-denied': { zh: '对象存储拒绝了访问密钥（AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY）或权限不足', en: 'the object store refused the access key (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or its permissions' },
  'store-bucket-missing': { zh: 'BLOB_STORE_URL 中的存储桶不存在', en: 'the bucket named in BLOB_STORE_URL does not exist' },
  'store-checksum': { zh: '对象存储保存的内容与发送的校验值（MD5）不符', en: 'the object store kept bytes whose checksum (MD5) differs from those sent' },
  'store-refused': { zh: '对象存储拒绝了该请求', en: 'the object store refused the request' },
  // electronic payments (PAYMENT_* {method}, {field}, {expected}; PAYMENT_STATEMENT_INVALID {reason})
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  alipay: { zh: '支付宝', en: 'Alipay' },
  'wechat-transaction-id': { zh: '微信支付订单号', en: 'WeChat Pay transaction number' },
  'alipay-transaction-id': { zh: '支付宝交易号', en: 'Alipay transaction number' },
  'digits-28': { zh: '28 位数字', en: '28 digits' },
  'digits-28-32': { zh: '28–32 位数字', en: '28 to 32 digits' },
  // the make-up city (OUTLET_CITY_NOT_ALLOWED {allowed})
  'city-beijing': { zh: '北京', en: 'Beijing' },
  'statement-empty': { zh: '文件为空', en: 'the file is empty' },
  'statement-format': { zh: '不是微信支付交易账单或支付宝业务明细（CSV）', en: 'not a WeChat Pay transaction bill or an Alipay business statement (CSV)' },
  'statement-encoding': { zh: '文件编码无法识别（微信支付账单为 UTF-8，支付宝明细为 GBK）', en: 'the encoding cannot be read (WeChat Pay bills are UTF-8, Alipay statements GBK)' },
  'statement-columns': { zh: '列数与表头不符', en: 'the number of columns differs from the header' },
  'statement-missing-column': { zh: '表头缺少必需的列', en: 'the header lacks a required column' },
  'statement-transaction': { zh: '交易号格式不正确', en: 'the transaction number is malformed' },
  'statement-amount': { zh: '金额不是有效的元金额', en: 'the amount is not a valid amount in yuan' },
  'statement-status': { zh: '无法识别的交易状态或业务类型', en: 'unknown transaction status or business type' },
  'statement-summary': { zh: '汇总行格式不正确', en: 'the summary line is malformed' },
  'statement-no-rows': { zh: '没有交易明细', en: 'no transaction lines' },
  'statement-duplicate': { zh: '同一交易号在文件中出现两次', en: 'the same transaction appears twice in the file' },
  // why a campus sign-on failed (OIDC_FAILED {reason}); the web login page has the same words
  'oidc-state': { zh: '登录请求无效、已使用或已过期，请重新登录', en: 'the sign-in request is invalid, already used or expired; please sign in again' },
  'oidc-denied': { zh: '您在统一身份认证页面拒绝了授权', en: 'access was denied at the campus sign-on page' },
  'oidc-provider-error': { zh: '统一身份认证服务返回了错误', en: 'the campus sign-on service returned an error' },
  'oidc-id-token': { zh: '身份令牌校验未通过', en: 'the identity token could not be verified' },
  'oidc-unreachable': { zh: '统一身份认证服务暂时无法连接，请稍后再试', en: 'the campus sign-on service cannot be reached; please try again later' },
  'oidc-no-claim': { zh: '认证结果中没有学号', en: 'the sign-on answer carries no student number' },
  'oidc-account-disabled': { zh: '该账号已停用', en: 'this account is disabled' },
  'oidc-not-student-account': { zh: '该学号对应的账号不是学生账号', en: 'the account with this student number is not a student account' },
};

/** A queue ticket's status as a `status` parameter (TICKET_NOT_CALLED), in words. */
const TICKET_STATUS_WORDS: Record<string, Text> = {
  waiting: { zh: '等候中', en: 'waiting' },
  called: { zh: '已叫号', en: 'called' },
  served: { zh: '已完成', en: 'served' },
  removed: { zh: '已移出', en: 'removed from the queue' },
};

export function translateError(code: ErrorCode, params: Record<string, string | number>, lang: Lang): string {
  const words: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string') words[k] = v;
    else if (k === 'status' && TICKET_STATUS_WORDS[v]) words[k] = TICKET_STATUS_WORDS[v][lang];
    else words[k] = PARAM_WORDS[v] ? PARAM_WORDS[v][lang] : v;
  }
  return fill(ERROR_MESSAGES[code][lang], words);
}

/**
 * One problem a request schema found (a Zod issue as fastify-type-provider-zod hands it over: its code, the
 * path of the field and the rest of the issue), said in the caller's language: the field as the user knows it
 * (a body's fields by their own name, `items.2.name` for a nested one) and what was expected, never Zod's
 * English (issue 9, outside test finding 3).
 */
export interface ValidationIssue {
  /** where: 'body', 'querystring', 'params', 'headers' (Fastify's validation context) */
  context?: string;
  /** the path inside it, e.g. ['studentNo'] or ['items', 2, 'name'] */
  path: readonly (string | number)[];
  code: string;
  params: Record<string, unknown>;
  /** Zod's own message: used only for a schema's custom format hint (YYYY-MM-DD) and the English fallback */
  message?: string;
}

const CONTEXT_WORDS: Record<string, Text> = {
  body: { zh: '请求内容', en: 'the request body' },
  querystring: { zh: '查询参数', en: 'the query' },
  params: { zh: '路径参数', en: 'the path' },
  headers: { zh: '请求头', en: 'the headers' },
};

const TYPE_WORDS: Record<string, Text> = {
  string: { zh: '文本', en: 'text' },
  number: { zh: '数值', en: 'a number' },
  int: { zh: '整数', en: 'a whole number' },
  bigint: { zh: '整数', en: 'a whole number' },
  boolean: { zh: '是或否（true/false）', en: 'true or false' },
  object: { zh: '对象（JSON 对象）', en: 'an object' },
  array: { zh: '列表', en: 'a list' },
  date: { zh: '日期', en: 'a date' },
  null: { zh: '空值（null）', en: 'null' },
  undefined: { zh: '不填', en: 'nothing' },
  nan: { zh: '数值', en: 'a number' },
};

const FORMAT_WORDS: Record<string, Text> = {
  date: { zh: '日期（YYYY-MM-DD）', en: 'a date (YYYY-MM-DD)' },
  datetime: { zh: '日期时间（ISO 8601）', en: 'a date and time (ISO 8601)' },
  time: { zh: '时间（HH:MM）', en: 'a time (HH:MM)' },
  email: { zh: '电子邮件地址', en: 'an e-mail address' },
  uuid: { zh: 'UUID', en: 'a UUID' },
  guid: { zh: 'UUID', en: 'a UUID' },
  url: { zh: '网址', en: 'a URL' },
  ipv4: { zh: 'IPv4 地址', en: 'an IPv4 address' },
  ipv6: { zh: 'IPv6 地址', en: 'an IPv6 address' },
  base64: { zh: 'Base64 文本', en: 'Base64 text' },
  base64url: { zh: 'Base64url 文本', en: 'Base64url text' },
};

/** The name of the field an issue is about: a body's fields by their own path, other places prefixed. */
export function validationField(issue: Pick<ValidationIssue, 'context' | 'path'>, lang: Lang): string {
  const path = issue.path.map(String).join('.');
  const context = issue.context ?? 'body';
  if (path === '') return CONTEXT_WORDS[context]?.[lang] ?? context;
  return context === 'body' ? path : `${context}.${path}`;
}

function unitOf(origin: unknown, lang: Lang): string {
  if (origin === 'string') return lang === 'zh' ? '个字符' : ' characters';
  if (origin === 'array' || origin === 'set') return lang === 'zh' ? '项' : ' items';
  if (origin === 'file') return lang === 'zh' ? '字节' : ' bytes';
  return '';
}

function listValues(values: unknown, lang: Lang): string {
  const list = Array.isArray(values) ? values : [];
  return list.map((v) => (typeof v === 'string' ? (lang === 'zh' ? `“${v}”` : `"${v}"`) : String(v))).join(lang === 'zh' ? '、' : ', ');
}

/** A schema's own format hint when it is a pattern such as YYYY-MM-DD or HH:MM (no words to translate). */
const FORMAT_HINT = /^[A-Z0-9:./\- ]{2,20}$/;

/** What was wrong with one field, e.g. 最多 32 个字符 / at most 32 characters (without the field's name). */
export function describeValidationIssue(issue: ValidationIssue, lang: Lang): string {
  const zh = lang === 'zh';
  const p = issue.params;
  const origin = p.origin;
  const numeric = origin === 'number' || origin === 'bigint' || origin === 'int';
  switch (issue.code) {
    case 'too_big': {
      const max = String(p.maximum);
      if (origin === 'date') return zh ? `不能晚于 ${max}` : `must not be after ${max}`;
      if (p.exact) return zh ? `应为 ${max} ${unitOf(origin, lang)}`.trim() : `must be exactly ${max}${unitOf(origin, lang)}`;
      if (numeric) return zh ? `数值应${p.inclusive === false ? '小于' : '不大于'} ${max}` : `must be ${p.inclusive === false ? 'less than' : 'at most'} ${max}`;
      return zh ? `最多 ${max} ${unitOf(origin, lang).trim()}` : `must be at most ${max}${unitOf(origin, lang)}`;
    }
    case 'too_small': {
      const min = String(p.minimum);
      if (origin === 'date') return zh ? `不能早于 ${min}` : `must not be before ${min}`;
      if (p.exact) return zh ? `应为 ${min} ${unitOf(origin, lang)}`.trim() : `must be exactly ${min}${unitOf(origin, lang)}`;
      if (numeric) return zh ? `数值应${p.inclusive === false ? '大于' : '不小于'} ${min}` : `must be ${p.inclusive === false ? 'more than' : 'at least'} ${min}`;
      if ((origin === 'string' || origin === 'array' || origin === 'set') && Number(p.minimum) === 1) return zh ? '不能为空' : 'must not be empty';
      return zh ? `至少 ${min} ${unitOf(origin, lang).trim()}` : `must be at least ${min}${unitOf(origin, lang)}`;
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[String(p.expected)]?.[lang] ?? String(p.expected);
      if (/received undefined/.test(issue.message ?? '')) return zh ? `必须填写（应为${expected}）` : `is required (${expected})`;
      return zh ? `应为${expected}` : `must be ${expected}`;
    }
    case 'invalid_value':
    case 'invalid_enum_value':
      return zh ? `应为以下之一：${listValues(p.values ?? p.options, lang)}` : `must be one of ${listValues(p.values ?? p.options, lang)}`;
    case 'invalid_format': {
      const known = FORMAT_WORDS[String(p.format)];
      if (known) return zh ? `格式不正确，应为${known.zh}` : `must be ${known.en}`;
      const hint = issue.message && FORMAT_HINT.test(issue.message) ? issue.message : null;
      if (p.format === 'starts_with') return zh ? `应以“${String(p.prefix)}”开头` : `must start with "${String(p.prefix)}"`;
      if (p.format === 'ends_with') return zh ? `应以“${String(p.suffix)}”结尾` : `must end with "${String(p.suffix)}"`;
      if (hint) return zh ? `格式不正确，应为 ${hint}` : `must have the form ${hint}`;
      return zh ? '格式不正确' : `is malformed${issue.message ? ` (${issue.message})` : ''}`;
    }
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
      return zh ? `含有不认识的字段：${keys.join('、')}` : `has unknown field${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`;
    }
    case 'not_multiple_of':
      return zh ? `应为 ${String(p.divisor)} 的倍数` : `must be a multiple of ${String(p.divisor)}`;
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return zh ? '内容不正确' : 'is not valid';
    case 'custom': {
      const inner = (p.params ?? {}) as Record<string, unknown>;
      if (inner.reason === 'one-of' && Array.isArray(inner.fields)) {
        const fields = inner.fields.map(String);
        return zh ? `${fields.join('、')} 须填写且只填写其中一项` : `give exactly one of ${fields.join(', ')}`;
      }
      if (inner.reason === 'time-zone') return zh ? `“${String(inner.value)}”不是已知的时区（应为 IANA 时区名，如 Asia/Shanghai）` : `"${String(inner.value)}" is not a known time zone (an IANA name such as Asia/Shanghai)`;
      if (inner.reason === 'no-such-date') return zh ? `“${String(inner.value)}”不是存在的日期（应为 YYYY-MM-DD）` : `"${String(inner.value)}" is not a date that exists (YYYY-MM-DD)`;
      return zh ? '内容不正确' : `is not valid${issue.message ? ` (${issue.message})` : ''}`;
    }
    default:
      return zh ? '内容不正确' : 'is not valid';
  }
}

/** The problems a schema found, in the caller's language: `studentNo：最多 32 个字符；site：…`. */
export function validationDetail(issues: readonly ValidationIssue[], lang: Lang): string {
  return issues.map((i) => `${validationField(i, lang)}${lang === 'zh' ? '：' : ': '}${describeValidationIssue(i, lang)}`).join(lang === 'zh' ? '；' : '; ');
}

/** An error's message in a language; a schema's problems (VALIDATION_FAILED with issues) in that language too. */
export function translateAppError(error: { code: ErrorCode; params: Record<string, string | number>; issues?: readonly SchemaIssue[] | undefined }, lang: Lang): string {
  if (error.code === 'VALIDATION_FAILED' && error.issues?.length) return translateError(error.code, { ...error.params, detail: validationDetail(error.issues, lang) }, lang);
  return translateError(error.code, error.params, lang);
}

/** The request body could not be read as JSON (VALIDATION_FAILED {detail}). */
export function notJsonDetail(lang: Lang, why: 'malformed' | 'empty' = 'malformed'): string {
  if (why === 'empty') return lang === 'zh' ? '请求内容为空（应为 JSON）' : 'the body is empty (JSON expected)';
  return lang === 'zh' ? '请求内容不是有效的 JSON' : 'the body is not valid JSON';
}
