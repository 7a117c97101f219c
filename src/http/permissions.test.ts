// Who may do what, over real HTTP, once per database: the whole role × route matrix in one table, then
// what each role sees of a student (masked names for the agency, national ID numbers for admins only,
// every reveal and every refused look an audit event).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../domain/permissions.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';

type Caller = Role | 'anonymous';
const CALLERS: Caller[] = ['admin', 'secretary', 'operator', 'cashier', 'student', 'anonymous'];

/** The student account's user name is its student number (a 物理学院 student of the roster). */
const STUDENT_USER_NO = '2101110001';
const PHYSICS_OTHER_NO = '2101110002';
const MATH_NO = '2101110003';

function nationalId(first17: string): string {
  return first17 + computeNationalIdCheckChar(first17);
}
const IDS = {
  [STUDENT_USER_NO]: nationalId('11010819990101001'),
  [PHYSICS_OTHER_NO]: nationalId('31010419980202002'),
  [MATH_NO]: nationalId('44030519970303003'),
};

const ROSTER = rosterCsv([
  rosterRow(STUDENT_USER_NO, { 姓名: '张小三', 身份证号: IDS[STUDENT_USER_NO], 邮箱: 's1@stu.example.edu.cn', 手机: '13800138000' }),
  rosterRow(PHYSICS_OTHER_NO, { 姓名: '欧阳娜娜', 身份证号: IDS[PHYSICS_OTHER_NO], 邮箱: 's2@stu.example.edu.cn', 手机: '13900139000' }),
  rosterRow(MATH_NO, { 姓名: '李四', 院系: '数学科学学院', 身份证号: IDS[MATH_NO], 邮箱: 's3@stu.example.edu.cn', 手机: '15000150000' }),
]);

/** Same terms as the notice: an admin's update changes no decision, so the matrix leaves data as it was. */
const SAME_TERMS = { targetTerms: ['2024-01', '2024-07'], retakeBefore: '2023-07', deferTerms: ['2025-01', '2025-07'] };

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  json?: unknown;
  upload?: string;
  /** multipart fields beside the file (uploadPhoto) */
  fields?: Record<string, string>;
  /** an event stream: only the status is read, then the connection is dropped */
  stream?: boolean;
}

type Target = 'self' | 'physics' | 'math' | 'morning' | 'afternoon' | 'booking' | 'user';
let userSeq = 0;
let stationsSeq = 0;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** The campaign's schedule as getCampaignSchedule answers it: written back unchanged by updateCampaignSchedule. */
let currentSchedule: unknown;

/**
 * THE MATRIX. One row per route (operationId); one column per caller. The secretary is the secretary of
 * 物理学院; the student is student 2101110001 of 物理学院 ("self"); "physics" is another 物理学院 student,
 * "math" a 数学科学学院 student.
 */
const MATRIX: [string, (ids: Record<Target, string>) => Request, Record<Caller, number>][] = [
  // electronic payments (issue 9 section 3, P1): the desk (operator) and the cashier record; the cashier and the admin list and reconcile
  [
    'recordPayment (a new WeChat payment by the admin, then the same again: 200)',
    () => ({ method: 'POST', path: '/api/payments', json: { studentNo: STUDENT_USER_NO, method: 'wechat', transactionId: '4200001901202311010000000001', amountFen: 2000 } }),
    { admin: 201, secretary: 403, operator: 200, cashier: 200, student: 403, anonymous: 401 },
  ],
  ['listPayments', () => ({ method: 'GET', path: '/api/payments' }), { admin: 200, secretary: 403, operator: 403, cashier: 200, student: 403, anonymous: 401 }],
  ['importPaymentStatement (not a bill file: 422, writes nothing)', () => ({ method: 'POST', path: '/api/payments/statements', upload: '学号,姓名\n1,张三\n' }), { admin: 422, secretary: 403, operator: 403, cashier: 422, student: 403, anonymous: 401 }],
  ['getPaymentSettings', () => ({ method: 'GET', path: '/api/sites/beijing/payment-settings' }), { admin: 200, secretary: 403, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['updatePaymentSettings (its default again: changes nothing)', () => ({ method: 'PUT', path: '/api/sites/beijing/payment-settings', json: { paymentBeforeQueue: true } }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportReconciliation (unknown statement)', () => ({ method: 'GET', path: `/api/payments/reconciliation.xlsx?statement=${UNKNOWN_ID}` }), { admin: 404, secretary: 403, operator: 403, cashier: 404, student: 403, anonymous: 401 }],
  ['getReconciliation (unknown statement)', () => ({ method: 'GET', path: `/api/payments/reconciliation?statement=${UNKNOWN_ID}` }), { admin: 404, secretary: 403, operator: 403, cashier: 404, student: 403, anonymous: 401 }],
  ['listRefunds', () => ({ method: 'GET', path: '/api/payments/refunds' }), { admin: 200, secretary: 403, operator: 403, cashier: 200, student: 403, anonymous: 401 }],
  ['exportRefunds', () => ({ method: 'GET', path: '/api/payments/refunds.xlsx' }), { admin: 200, secretary: 403, operator: 403, cashier: 200, student: 403, anonymous: 401 }],
  ['getDayClose', () => ({ method: 'GET', path: '/api/payments/day-close?site=beijing' }), { admin: 200, secretary: 403, operator: 403, cashier: 200, student: 403, anonymous: 401 }],
  // the registry package (issue 10 section 1, A1): the admin only
  ['createExport (no recipient key given or configured: 422, writes nothing)', () => ({ method: 'POST', path: '/api/exports', json: {} }), { admin: 422, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listExports', () => ({ method: 'GET', path: '/api/exports' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getExport (unknown batch)', () => ({ method: 'GET', path: `/api/exports/${UNKNOWN_ID}` }), { admin: 404, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['downloadExport (unknown batch)', () => ({ method: 'GET', path: `/api/exports/${UNKNOWN_ID}/download` }), { admin: 404, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getExportSettings', () => ({ method: 'GET', path: '/api/exports/settings' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  // the registry's answer (issue 10 section 1, A1): the admin imports it; the re-take list for the school's roles and the agency's operator
  ['importRegistryAnswer (a header only: 422, writes nothing)', () => ({ method: 'POST', path: '/api/exports/answers', upload: '学号,状态\n' }), { admin: 422, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listRegistryAnswerImports', () => ({ method: 'GET', path: '/api/exports/answers' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listRetakes', () => ({ method: 'GET', path: '/api/retakes' }), { admin: 200, secretary: 200, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['exportRetakes', () => ({ method: 'GET', path: '/api/retakes.xlsx' }), { admin: 200, secretary: 200, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  // corrections and dashboards (issue 10 sections 4 and 6): the admin, and a secretary for their departments (read-only)
  ['getDashboard', () => ({ method: 'GET', path: '/api/dashboard' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportDashboard', () => ({ method: 'GET', path: '/api/dashboard/export.xlsx' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listInvalidPhotos', () => ({ method: 'GET', path: '/api/corrections/invalid-photos' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listVoidedConfirmations', () => ({ method: 'GET', path: '/api/corrections/voided-confirmations' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportCorrections', () => ({ method: 'GET', path: '/api/corrections/export.xlsx' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  // retention and deletion (issue 10 section 5, A3): the admin only; the close is refused here (wrong confirmation), the run purges nothing
  ['getRetentionPolicy', () => ({ method: 'GET', path: '/api/retention/policy' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['updateRetentionPolicy (the defaults again: changes nothing)', () => ({ method: 'PUT', path: '/api/retention/policy', json: { originalsDays: 30, standardDays: 30 } }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['previewRetentionRun', () => ({ method: 'GET', path: '/api/retention/preview' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listRetentionRuns', () => ({ method: 'GET', path: '/api/retention/runs' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['runRetention (nothing is due)', () => ({ method: 'POST', path: '/api/retention/runs', json: {} }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['previewCampaignClose', () => ({ method: 'GET', path: '/api/campaign/close' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['closeCampaign (wrong confirmation: 400, nothing closed)', () => ({ method: 'POST', path: '/api/campaign/close', json: { confirm: 'not-this-campaign' } }), { admin: 400, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getRecordOfProcessing', () => ({ method: 'GET', path: '/api/retention/record?format=json' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  //                                                                                        admin  secretary operator cashier student anonymous
  // make-up captures (issue 10 section 3, S6): outlets, deadlines and the outstanding list are the admin's; the agency's operators read the outlets; a student their own card
  ['listOutlets', () => ({ method: 'GET', path: '/api/makeup/outlets' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['createOutlet (in Shanghai: 422, writes nothing)', () => ({ method: 'POST', path: '/api/makeup/outlets', json: { id: 'matrixsh', nameZh: '上海店', nameEn: 'Shanghai', address: '南京路 1 号', city: '上海', hours: '9:00-17:00' } }), { admin: 422, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['updateOutlet (unknown outlet)', () => ({ method: 'PATCH', path: '/api/makeup/outlets/nosuchoutlet', json: { active: false } }), { admin: 404, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getMakeUpSettings', () => ({ method: 'GET', path: '/api/makeup/settings' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['updateMakeUpSettings (the notice’s deadlines again: changes nothing)', () => ({ method: 'PUT', path: '/api/makeup/settings', json: { deadlines: { '2024-01': '2023-11-30', '2024-07': '2024-04-30' } } }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listOutstandingMakeUps', () => ({ method: 'GET', path: '/api/makeup/outstanding' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportOutstandingMakeUps', () => ({ method: 'GET', path: '/api/makeup/outstanding.xlsx' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getMyMakeUp', () => ({ method: 'GET', path: '/api/me/makeup' }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 200, anonymous: 401 }],
  // prints and hand-over (issue 10 section 2, A2): the agency prints (operator, admin); the admin receives and sends to the departments; the secretary hands over (物理学院 only); the student confirms their own
  ['listPrintBatches', () => ({ method: 'GET', path: '/api/prints/batches' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['createPrintBatch (a department with no photo: 409, writes nothing)', () => ({ method: 'POST', path: '/api/prints/batches', json: { department: '哲学系' } }), { admin: 409, secretary: 403, operator: 409, cashier: 403, student: 403, anonymous: 401 }],
  ['getPrintSheet (unknown batch)', () => ({ method: 'GET', path: `/api/prints/batches/${UNKNOWN_ID}/sheet?department=${encodeURIComponent('物理学院')}` }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['sendPrintBatch (unknown batch)', () => ({ method: 'POST', path: `/api/prints/batches/${UNKNOWN_ID}/send`, json: { count: 1 } }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['receivePrintBatch (unknown batch)', () => ({ method: 'POST', path: `/api/prints/batches/${UNKNOWN_ID}/receive`, json: { count: 1 } }), { admin: 404, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listPrintDeliveries', () => ({ method: 'GET', path: '/api/prints/deliveries' }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['createPrintDelivery (nothing at the graduate school: 409, writes nothing)', () => ({ method: 'POST', path: '/api/prints/deliveries', json: { department: '物理学院' } }), { admin: 409, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['receivePrintDelivery (unknown delivery)', () => ({ method: 'POST', path: `/api/prints/deliveries/${UNKNOWN_ID}/receive`, json: { count: 1 } }), { admin: 404, secretary: 404, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getHandoverList (物理学院, own department; another department: PRINT_DEPARTMENT_FORBIDDEN, print.routes.test)', () => ({ method: 'GET', path: `/api/prints/handover?department=${encodeURIComponent('物理学院')}` }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportNotReceived (物理学院)', () => ({ method: 'GET', path: `/api/prints/handover/not-received.xlsx?department=${encodeURIComponent('物理学院')}` }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getHandoverListPdf (物理学院)', () => ({ method: 'GET', path: `/api/prints/handover/list.pdf?department=${encodeURIComponent('物理学院')}` }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['handOverPrints (a student without prints: 409, changes nothing)', () => ({ method: 'POST', path: '/api/prints/handover', json: { department: '物理学院', studentNos: [PHYSICS_OTHER_NO] } }), { admin: 409, secretary: 409, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getMyPrints', () => ({ method: 'GET', path: '/api/me/prints' }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 200, anonymous: 401 }],
  ['confirmMyPrints (no prints yet: 409)', () => ({ method: 'POST', path: '/api/me/prints/confirm' }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 409, anonymous: 401 }],
  ['getMe', () => ({ method: 'GET', path: '/api/me' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['getCampaign', () => ({ method: 'GET', path: '/api/campaign' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  ['getCampaignOverview', () => ({ method: 'GET', path: '/api/campaign/overview' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['listStudents', () => ({ method: 'GET', path: '/api/students' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['getStudent (own record of the student)', (ids) => ({ method: 'GET', path: `/api/students/${ids.self}` }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['getStudent (物理学院, own department)', (ids) => ({ method: 'GET', path: `/api/students/${ids.physics}` }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['getStudent (数学科学学院, other department)', (ids) => ({ method: 'GET', path: `/api/students/${ids.math}` }), { admin: 200, secretary: 403, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['revealNationalId (物理学院)', (ids) => ({ method: 'POST', path: `/api/students/${ids.physics}/national-id` }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['revealNationalId (own record of the student)', (ids) => ({ method: 'POST', path: `/api/students/${ids.self}/national-id` }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportStudents (物理学院, own department)', () => ({ method: 'GET', path: `/api/students/export.xlsx?department=${encodeURIComponent('物理学院')}` }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['exportStudents (数学科学学院, other department)', () => ({ method: 'GET', path: `/api/students/export.xlsx?department=${encodeURIComponent('数学科学学院')}` }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['previewRosterImport (writes nothing)', () => ({ method: 'POST', path: '/api/roster/preview', upload: ROSTER }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['applyRosterImport (the same file again: changes nothing)', () => ({ method: 'POST', path: '/api/roster/apply', upload: ROSTER }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getRosterTemplate', () => ({ method: 'GET', path: '/api/roster/template?format=csv' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listAuditEvents', () => ({ method: 'GET', path: '/api/audit' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['verifyAuditChain', () => ({ method: 'GET', path: '/api/audit/verify' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listUsers', () => ({ method: 'GET', path: '/api/users' }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  [
    'createUser',
    () => ({ method: 'POST', path: '/api/users', json: { username: `matrix-user-${++userSeq}`, role: 'operator', password: 'Matrix-password-2024' } }),
    { admin: 201, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 },
  ],
  ['updateUser (a new password for an operator)', (ids) => ({ method: 'PATCH', path: `/api/users/${ids.user}`, json: { newPassword: 'Matrix-new-password-2026' } }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['updateCampaignTerms', () => ({ method: 'PUT', path: '/api/campaign/terms', json: SAME_TERMS }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['getNotice', () => ({ method: 'GET', path: '/api/notice' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  ['getCampaignSchedule', () => ({ method: 'GET', path: '/api/campaign/schedule' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['getSiteSettings', () => ({ method: 'GET', path: '/api/sites/beijing/settings' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['listMySessions', () => ({ method: 'GET', path: '/api/me/sessions' }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 200, anonymous: 401 }],
  // photos: secretaries and cashiers never reach a photo (403 before any lookup); the others learn only that it does not exist
  ['getPhotoReport (unknown id)', () => ({ method: 'GET', path: '/api/photos/00000000-0000-4000-8000-000000000000/report' }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 404, anonymous: 401 }],
  ['getPhotoImage (unknown id)', () => ({ method: 'GET', path: '/api/photos/00000000-0000-4000-8000-000000000000/image' }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 404, anonymous: 401 }],
  ['getStation', () => ({ method: 'GET', path: '/api/stations/matrix-1' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['setStationStudent', () => ({ method: 'PUT', path: '/api/stations/matrix-1/current-student', json: { studentNo: '2101110001' } }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['clearStationStudent', () => ({ method: 'DELETE', path: '/api/stations/matrix-1/current-student' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  // system and sign-in: public routes answer everyone alike (a wrong password is the same 401 for all)
  ['getHealth', () => ({ method: 'GET', path: '/api/health' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  ['login (wrong password)', () => ({ method: 'POST', path: '/api/auth/login', json: { username: `matrix-nobody-${++userSeq}`, password: 'wrong-password-1' } }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['getOidcStatus', () => ({ method: 'GET', path: '/api/auth/oidc' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  // campus sign-on is not configured in this server: the browser is sent back to the sign-in page, whoever asks
  ['startOidcSignIn (not configured)', () => ({ method: 'GET', path: '/api/auth/oidc/start' }), { admin: 302, secretary: 302, operator: 302, cashier: 302, student: 302, anonymous: 302 }],
  ['finishOidcSignIn (not configured)', () => ({ method: 'GET', path: '/api/auth/oidc/callback?code=x&state=y' }), { admin: 302, secretary: 302, operator: 302, cashier: 302, student: 302, anonymous: 302 }],
  ['consumeSignInLink (unknown link)', () => ({ method: 'POST', path: '/api/auth/signin-link/consume', json: { token: 'matrix-not-a-token' } }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['getNoticePdf', () => ({ method: 'GET', path: '/api/notice.pdf' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  // own account: any session
  ['changePassword (wrong current password)', () => ({ method: 'POST', path: '/api/me/password', json: { currentPassword: 'not-the-password', newPassword: 'Matrix-new-password-2024' } }), { admin: 422, secretary: 422, operator: 422, cashier: 422, student: 422, anonymous: 401 }],
  ['setupTotp', () => ({ method: 'POST', path: '/api/me/totp/setup' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['enableTotp (wrong code)', () => ({ method: 'POST', path: '/api/me/totp/enable', json: { code: '000000' } }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  // schedule and bookings: students for themselves, secretaries for their department, admins for anyone; the agency books nobody
  ['listSessions', () => ({ method: 'GET', path: '/api/sessions' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 401 }],
  ['getMyBooking (the student of 物理学院)', () => ({ method: 'GET', path: `/api/bookings/me?studentNo=${STUDENT_USER_NO}` }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 200, anonymous: 401 }],
  ['getMyBooking (数学科学学院)', () => ({ method: 'GET', path: `/api/bookings/me?studentNo=${MATH_NO}` }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['createBooking (unknown session)', () => ({ method: 'POST', path: '/api/bookings', json: { sessionId: UNKNOWN_ID, studentNo: STUDENT_USER_NO } }), { admin: 404, secretary: 404, operator: 403, cashier: 403, student: 404, anonymous: 401 }],
  ['cancelBooking (unknown booking)', () => ({ method: 'DELETE', path: `/api/bookings/${UNKNOWN_ID}` }), { admin: 404, secretary: 404, operator: 403, cashier: 403, student: 404, anonymous: 401 }],
  // changes that succeed for the admin (each must leave its audit event), refused for others
  ['createBooking (a free seat, 数学科学学院)', (ids) => ({ method: 'POST', path: '/api/bookings', json: { sessionId: ids.morning, studentNo: MATH_NO } }), { admin: 201, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['cancelBooking (that booking)', (ids) => ({ method: 'DELETE', path: `/api/bookings/${ids.booking}` }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['joinWaitlist (a free seat: booked instead, 数学科学学院)', (ids) => ({ method: 'POST', path: `/api/sessions/${ids.afternoon}/waitlist`, json: { studentNo: MATH_NO } }), { admin: 201, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['joinWaitlist (unknown session)', () => ({ method: 'POST', path: `/api/sessions/${UNKNOWN_ID}/waitlist`, json: { studentNo: STUDENT_USER_NO } }), { admin: 404, secretary: 404, operator: 403, cashier: 403, student: 404, anonymous: 401 }],
  [
    'updateSiteSettings',
    () => ({ method: 'PUT', path: '/api/sites/beijing/settings', json: { stations: 2 + (++stationsSeq % 2), minutesPerStudent: 1 } }),
    { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 },
  ],
  ['updateCampaignSchedule (unchanged)', () => ({ method: 'PUT', path: '/api/campaign/schedule', json: currentSchedule }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['streamSessionCounts', () => ({ method: 'GET', path: '/api/sessions/events', stream: true }), { admin: 200, secretary: 200, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['proposePlan', () => ({ method: 'GET', path: '/api/plan' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  // photos: the station's roles upload and confirm; only admins void a confirmation
  [
    'uploadPhoto (not a JPEG)',
    () => ({ method: 'POST', path: '/api/photos', upload: 'not a photo', fields: { studentNo: STUDENT_USER_NO } }),
    { admin: 415, secretary: 403, operator: 415, cashier: 403, student: 403, anonymous: 401 },
  ],
  ['confirmPhoto (unknown id)', () => ({ method: 'POST', path: `/api/photos/${UNKNOWN_ID}/confirm` }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['voidPhotoConfirmation (unknown id)', () => ({ method: 'POST', path: `/api/photos/${UNKNOWN_ID}/void-confirmation`, json: { reason: 'matrix check' } }), { admin: 404, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['listStudentPhotos (own record of the student)', (ids) => ({ method: 'GET', path: `/api/students/${ids.self}/photos` }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 200, anonymous: 401 }],
  ['listStudentPhotos (数学科学学院)', (ids) => ({ method: 'GET', path: `/api/students/${ids.math}/photos` }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  // check-in and the queue (issue 9, C1, C4): the desk is the operator role; a student reads only their own ticket
  [
    'checkIn (a Beijing student at the Shenzhen desk: WRONG_SITE, changes nothing)',
    () => ({ method: 'POST', path: '/api/checkins', json: { studentNo: STUDENT_USER_NO, collectionCode: 'MATRIX-CODE-0001', site: 'shenzhen' } }),
    { admin: 422, secretary: 403, operator: 422, cashier: 403, student: 403, anonymous: 401 },
  ],
  ['listQueue', () => ({ method: 'GET', path: '/api/queue/beijing' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['callNext (empty queue: changes nothing)', () => ({ method: 'POST', path: '/api/queue/beijing/next', json: { stationId: 'matrix-queue-1' } }), { admin: 204, secretary: 403, operator: 204, cashier: 403, student: 403, anonymous: 401 }],
  ['getTicket (unknown id)', () => ({ method: 'GET', path: `/api/tickets/${UNKNOWN_ID}` }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 404, anonymous: 401 }],
  ['recallTicket (unknown id)', () => ({ method: 'POST', path: `/api/tickets/${UNKNOWN_ID}/recall` }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['skipTicket (unknown id)', () => ({ method: 'POST', path: `/api/tickets/${UNKNOWN_ID}/skip` }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['transferTicket (unknown id)', () => ({ method: 'POST', path: `/api/tickets/${UNKNOWN_ID}/transfer`, json: { stationId: 'beijing-2' } }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  // the desk's look before check-in, the public call board, the student's own ticket (issue 9 sections 1 and 2)
  ['previewCheckIn', () => ({ method: 'GET', path: `/api/checkins/preview?studentNo=${STUDENT_USER_NO}` }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['getBoard (public)', () => ({ method: 'GET', path: '/api/board/beijing' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  ['streamBoard (public)', () => ({ method: 'GET', path: '/api/board/beijing/stream', stream: true }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 200, anonymous: 200 }],
  ['getMyTicket (none today: null)', () => ({ method: 'GET', path: '/api/me/ticket' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 200, anonymous: 401 }],
  // progress everywhere (issue 9): counts for the roles of the overview (a secretary: own departments); reminders by the secretary and the admin
  ['getProgress', () => ({ method: 'GET', path: '/api/progress' }), { admin: 200, secretary: 200, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['getProgress (数学科学学院, another department for the secretary)', () => ({ method: 'GET', path: `/api/progress?department=${encodeURIComponent('数学科学学院')}` }), { admin: 200, secretary: 403, operator: 200, cashier: 200, student: 403, anonymous: 401 }],
  ['remindStudents (物理学院 not booked: the admin queues, the secretary then finds them reminded)', () => ({ method: 'POST', path: '/api/progress/reminders', json: { department: '物理学院', which: 'not-booked' } }), { admin: 200, secretary: 200, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  ['remindStudents (数学科学学院, another department for the secretary; its student booked above: changes nothing)', () => ({ method: 'POST', path: '/api/progress/reminders', json: { department: '数学科学学院', which: 'not-booked' } }), { admin: 200, secretary: 403, operator: 403, cashier: 403, student: 403, anonymous: 401 }],
  // the student confirms their own photo (issue 9 section 4, C3): the station's roles ask and pair a review screen;
  // the screen's routes are public but need the device cookie of their station (none here: 401 for everyone)
  ['getStationReview', () => ({ method: 'GET', path: '/api/stations/matrix-1/review' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['requestPhotoReview (unknown photo)', () => ({ method: 'PUT', path: '/api/stations/matrix-1/review', json: { photoId: UNKNOWN_ID } }), { admin: 404, secretary: 403, operator: 404, cashier: 403, student: 403, anonymous: 401 }],
  ['withdrawPhotoReview (nothing asked: changes nothing)', () => ({ method: 'DELETE', path: '/api/stations/matrix-1/review' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['createReviewPairing', () => ({ method: 'POST', path: '/api/stations/matrix-1/review-pairings' }), { admin: 201, secretary: 403, operator: 201, cashier: 403, student: 403, anonymous: 401 }],
  ['revokeReviewScreens (none paired: changes nothing)', () => ({ method: 'DELETE', path: '/api/stations/matrix-1/review-screens' }), { admin: 200, secretary: 403, operator: 200, cashier: 403, student: 403, anonymous: 401 }],
  ['pairReviewScreen (no open code at that station: writes nothing but the refusal)', () => ({ method: 'POST', path: '/api/review-screen/matrix-pair/pair', json: { code: '000000' } }), { admin: 422, secretary: 422, operator: 422, cashier: 422, student: 422, anonymous: 422 }],
  ['getReviewScreen (no device cookie)', () => ({ method: 'GET', path: '/api/review-screen/matrix-1' }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['getReviewScreenImage (no device cookie)', () => ({ method: 'GET', path: `/api/review-screen/matrix-1/photos/${UNKNOWN_ID}/image` }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['confirmOnReviewScreen (no device cookie)', () => ({ method: 'POST', path: '/api/review-screen/matrix-1/confirm', json: { photoId: UNKNOWN_ID } }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['requestRetakeOnReviewScreen (no device cookie)', () => ({ method: 'POST', path: '/api/review-screen/matrix-1/retake', json: { photoId: UNKNOWN_ID } }), { admin: 401, secretary: 401, operator: 401, cashier: 401, student: 401, anonymous: 401 }],
  ['getMyPhoto', () => ({ method: 'GET', path: '/api/me/photo' }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 200, anonymous: 401 }],
  ['confirmMyPhoto (unknown photo)', () => ({ method: 'POST', path: '/api/me/photo/confirm', json: { photoId: UNKNOWN_ID } }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 404, anonymous: 401 }],
  ['requestMyPhotoRetake (unknown photo)', () => ({ method: 'POST', path: '/api/me/photo/retake', json: { photoId: UNKNOWN_ID } }), { admin: 403, secretary: 403, operator: 403, cashier: 403, student: 404, anonymous: 401 }],
  // last: it ends the caller's session (the test signs the caller in again)
  ['logout', () => ({ method: 'POST', path: '/api/auth/logout' }), { admin: 204, secretary: 204, operator: 204, cashier: 204, student: 204, anonymous: 204 }],
];

/** Routes that are public: no session needed (the rest answer 401 to the anonymous caller). */
const PUBLIC_OPERATIONS = new Set(['getHealth', 'login', 'logout', 'getCampaign', 'getNotice', 'getNoticePdf', 'getOidcStatus', 'startOidcSignIn', 'finishOidcSignIn', 'requestSignInLink', 'consumeSignInLink', 'getBoard', 'streamBoard']);
// the review screen: no account, the device cookie of its station (src/http/review-screen.routes.ts)
for (const op of ['pairReviewScreen', 'getReviewScreen', 'getReviewScreenImage', 'confirmOnReviewScreen', 'requestRetakeOnReviewScreen']) PUBLIC_OPERATIONS.add(op);
/** Operations with no row in MATRIX, and the test that covers who may call them instead. */
const COVERED_ELSEWHERE: Record<string, string> = {
  // a real mail to a real address would be sent; src/http/signin-link.routes.test.ts checks its answers (public, same for all)
  requestSignInLink: 'src/http/signin-link.routes.test.ts',
};

const CASES = MATRIX.flatMap(([route, request, expected]) => CALLERS.map((caller) => ({ route, caller, request, status: expected[caller] })));

interface StudentView {
  id: string;
  studentNo: string;
  name: string;
  nameMasked: boolean;
  department: string;
  nationalIdMasked?: string | null;
  email?: string | null;
  phone?: string | null;
}
interface AuditList {
  items: { action: string; actorName: string | null; actorRole: string | null; targetId: string | null; result: string }[];
  total: number;
}

describe.each(DIALECTS)('permissions on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = {} as Record<Caller, string | undefined>;
  const ids = {} as Record<Target, string>;

  const call = (caller: Caller, req: Request) => {
    const headers = new Headers();
    const cookie = cookies[caller];
    if (cookie) headers.set('cookie', cookie);
    let body: BodyInit | undefined;
    if (req.upload !== undefined) {
      const form = new FormData();
      for (const [name, value] of Object.entries(req.fields ?? {})) form.append(name, value);
      form.append('file', new Blob([Buffer.from(req.upload, 'utf8')]), req.fields ? 'photo.jpg' : 'roster.csv');
      body = form;
    } else if (req.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(req.json);
    }
    return fetch(`${server.url}${req.path}`, { method: req.method, headers, body, redirect: 'manual' });
  };
  const getJson = async <T>(caller: Caller, path: string): Promise<T> => {
    const res = await call(caller, { method: 'GET', path });
    expect(res.status, `${caller} GET ${path}`).toBe(200);
    return (await res.json()) as T;
  };
  const auditOf = (action: string, targetId: string) =>
    getJson<AuditList>('admin', `/api/audit?action=${encodeURIComponent(action)}&targetId=${encodeURIComponent(targetId)}&pageSize=500`);

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'perm-admin');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'perm-secretary');
    await createActor(rt.deps, 'operator', [], 'perm-operator');
    await createActor(rt.deps, 'cashier', [], 'perm-cashier');
    await createActor(rt.deps, 'student', [], STUDENT_USER_NO);
    cookies.admin = await loginOverHttp(server.url, 'perm-admin');
    cookies.secretary = await loginOverHttp(server.url, 'perm-secretary');
    cookies.operator = await loginOverHttp(server.url, 'perm-operator');
    cookies.cashier = await loginOverHttp(server.url, 'perm-cashier');
    cookies.student = await loginOverHttp(server.url, STUDENT_USER_NO);
    cookies.anonymous = undefined;
    const applied = await call('admin', { method: 'POST', path: '/api/roster/apply', upload: ROSTER });
    expect(applied.status).toBe(200);
    const list = await getJson<{ items: StudentView[] }>('admin', '/api/students');
    const idOf = (no: string) => list.items.find((s) => s.studentNo === no)!.id;
    ids.self = idOf(STUDENT_USER_NO);
    ids.physics = idOf(PHYSICS_OTHER_NO);
    ids.math = idOf(MATH_NO);
    currentSchedule = await getJson<unknown>('admin', '/api/campaign/schedule');
    ids.user = (await createActor(rt.deps, 'operator', [], 'perm-target')).principal!.userId;
    const sessions = (await getJson<{ items: { id: string; site: string; date: string; start: string }[] }>('admin', '/api/sessions?site=beijing&date=2023-11-01')).items;
    ids.morning = sessions.find((x) => x.start === '09:30')!.id;
    ids.afternoon = sessions.find((x) => x.start === '13:00')!.id;
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  const auditTotal = async () => (await getJson<AuditList>('admin', '/api/audit?pageSize=1')).total;

  it.each(CASES)('$route as $caller → $status', async ({ route, caller, request, status }) => {
    const req = request(ids);
    const changes = req.method !== 'GET';
    const before = changes ? await auditTotal() : 0;
    const res = await call(caller, req);
    const text = req.stream && res.status === 200 ? (await res.body?.cancel(), '') : await res.text();
    expect(res.status, text.slice(0, 300)).toBe(status);
    const operation = route.split(' ')[0]!;
    if (caller === 'anonymous' && !PUBLIC_OPERATIONS.has(operation)) expect(JSON.parse(text)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    if (status === 403) expect(JSON.parse(text)).toMatchObject({ error: { code: 'FORBIDDEN', message: '无权访问' } });
    if (operation === 'createBooking' && status === 201) ids.booking = (JSON.parse(text) as { id: string }).id;
    if (operation === 'logout' && caller !== 'anonymous') cookies[caller] = await loginOverHttp(server.url, caller === 'student' ? STUDENT_USER_NO : `perm-${caller}`);
    // Every change and every refusal of a signed-in caller leaves an audit event (docs/architecture.md, rule A3).
    // The admin asks first: a later caller of a setting route repeats the admin's change, which changes nothing.
    const changesSomething = !/writes nothing|changes nothing/.test(route) && operation !== 'logout';
    if (changes && ((caller === 'admin' && status < 300 && changesSomething) || status === 403)) {
      expect(await auditTotal(), `${route} as ${caller}: no audit event`).toBeGreaterThan(before);
    }
  });

  it('every operation of the OpenAPI document declares its permission and has a row in the matrix', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string; 'x-permission'?: string }>> };
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(40);
    const inMatrix = new Set(MATRIX.map(([route]) => route.split(' ')[0]!));
    const missing: string[] = [];
    for (const op of operations) {
      expect(op.operationId, JSON.stringify(op).slice(0, 200)).toBeTruthy();
      expect(op['x-permission'], `${op.operationId} declares no permission`).toBeTruthy();
      if (!inMatrix.has(op.operationId!) && !COVERED_ELSEWHERE[op.operationId!]) missing.push(op.operationId!);
      if ((op['x-permission'] === 'public') !== PUBLIC_OPERATIONS.has(op.operationId!)) missing.push(`${op.operationId} (public: ${op['x-permission']})`);
    }
    expect(missing, 'operations missing from the permission matrix').toEqual([]);
  });

  describe('a department secretary (物理学院)', () => {
    it('lists only their department, and asking for another department gives an empty list (not other students)', async () => {
      const own = await getJson<{ items: StudentView[]; total: number }>('secretary', '/api/students');
      expect(own.total).toBe(2);
      expect(new Set(own.items.map((s) => s.department))).toEqual(new Set(['物理学院']));
      const other = await getJson<{ items: StudentView[]; total: number }>('secretary', `/api/students?department=${encodeURIComponent('数学科学学院')}`);
      expect(other).toMatchObject({ items: [], total: 0 });
      const search = await getJson<{ items: StudentView[]; total: number }>('secretary', `/api/students?q=${MATH_NO}`);
      expect(search.total).toBe(0);
    });

    it('asking for another department’s student by id is 403, without the data, and an audit event student.access_denied', async () => {
      const before = (await auditOf('student.access_denied', ids.math)).total;
      const res = await call('secretary', { method: 'GET', path: `/api/students/${ids.math}` });
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(text).not.toContain('李四');
      expect(text).not.toContain(MATH_NO);
      const events = await auditOf('student.access_denied', ids.math);
      expect(events.total).toBe(before + 1);
      expect(events.items[0]).toMatchObject({ action: 'student.access_denied', actorName: 'perm-secretary', actorRole: 'secretary', targetId: ids.math, result: 'denied' });
    });

    it('sees full names and contact details of their students, but no national ID number', async () => {
      const s = await getJson<StudentView>('secretary', `/api/students/${ids.physics}`);
      expect(s).toMatchObject({ name: '欧阳娜娜', nameMasked: false, nationalIdMasked: null, email: 's2@stu.example.edu.cn', phone: '13900139000' });
    });

    it('exports their department as an attachment named without personal data, never cached', async () => {
      const res = await call('secretary', { method: 'GET', path: '/api/students/export.xlsx' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="students-2023-10-20.xlsx"; filename*=UTF-8''students-2023-10-20.xlsx`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.subarray(0, 2).toString('latin1')).toBe('PK');
    });

    it('sees the overview of their department only', async () => {
      const o = await getJson<{ totals: { total: number }; days: { departments: { name: string }[] }[] }>('secretary', '/api/campaign/overview');
      expect(o.totals.total).toBe(2);
      expect(o.days.flatMap((d) => d.departments.map((x) => x.name))).toEqual(['物理学院']);
    });
  });

  describe.each(['operator', 'cashier'] as const)('the agency’s %s', (role) => {
    it('sees masked names (张*三) and never national ID numbers, e-mail or phone', async () => {
      const listRes = await call(role, { method: 'GET', path: '/api/students' });
      const listText = await listRes.text();
      const list = JSON.parse(listText) as { items: StudentView[] };
      expect(list.items).toHaveLength(3);
      for (const s of list.items) expect(s.nameMasked).toBe(true);
      expect(Object.fromEntries(list.items.map((s) => [s.studentNo, s.name]))).toEqual({
        [STUDENT_USER_NO]: '张*三',
        [PHYSICS_OTHER_NO]: '欧**娜',
        [MATH_NO]: '李*',
      });
      for (const id of [ids.self, ids.physics, ids.math]) {
        const res = await call(role, { method: 'GET', path: `/api/students/${id}` });
        const text = await res.text();
        const s = JSON.parse(text) as StudentView;
        expect(s.nameMasked).toBe(true);
        expect(s).toMatchObject({ nationalIdMasked: null, email: null, phone: null });
        for (const text_ of [text, listText]) {
          for (const full of ['张小三', '欧阳娜娜', '李四', ...Object.values(IDS), '@stu.example.edu.cn', '13800138000']) expect(text_).not.toContain(full);
        }
      }
    });
  });

  describe('national ID numbers', () => {
    it('only admins get nationalIdMasked', async () => {
      const admin = await getJson<StudentView>('admin', `/api/students/${ids.physics}`);
      const id = IDS[PHYSICS_OTHER_NO];
      expect(admin.nationalIdMasked).toBe(`${id.slice(0, 2)}${'*'.repeat(14)}${id.slice(-2)}`);
      for (const caller of ['secretary', 'operator', 'cashier'] as const) {
        expect((await getJson<StudentView>(caller, `/api/students/${ids.physics}`)).nationalIdMasked).toBeNull();
      }
      expect((await getJson<StudentView>('student', `/api/students/${ids.self}`)).nationalIdMasked).toBeNull();
    });

    it('revealNationalId gives admins the full number and writes student.national_id_viewed every time', async () => {
      const before = (await auditOf('student.national_id_viewed', ids.math)).total;
      for (let i = 1; i <= 2; i++) {
        const res = await call('admin', { method: 'POST', path: `/api/students/${ids.math}/national-id` });
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.json()).toEqual({ nationalId: IDS[MATH_NO] });
        const events = await auditOf('student.national_id_viewed', ids.math);
        expect(events.total).toBe(before + i);
        expect(events.items[0]).toMatchObject({ actorName: 'perm-admin', actorRole: 'admin', targetId: ids.math, result: 'ok' });
      }
    });

    it('a refused reveal is an audit event access.denied (the route’s permission) naming the student, and shows nothing', async () => {
      const before = (await auditOf('access.denied', 'revealNationalId')).total;
      const res = await call('operator', { method: 'POST', path: `/api/students/${ids.physics}/national-id` });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain(IDS[PHYSICS_OTHER_NO]);
      const events = await auditOf('access.denied', 'revealNationalId');
      expect(events.total).toBe(before + 1);
      expect(events.items[0]).toMatchObject({ actorRole: 'operator', result: 'denied', details: { permission: 'student.nationalId.read', id: ids.physics } });
    });

    it('no audit row holds a national ID number', async () => {
      const rows = await rt.deps.db.db.selectFrom('audit_events').selectAll().execute();
      expect(rows.length).toBeGreaterThan(0);
      const dump = JSON.stringify(rows);
      for (const id of Object.values(IDS)) expect(dump).not.toContain(id);
    });
  });

  describe('a student', () => {
    it('sees only their own record, with the reason of the decision and their own contact details', async () => {
      const me = await getJson<{ studentId: string | null; role: string }>('student', '/api/me');
      expect(me).toMatchObject({ role: 'student', studentId: ids.self });
      const own = await getJson<StudentView & { decision: string; rule: string; reason: { zh: string; en: string } }>('student', `/api/students/${ids.self}`);
      expect(own).toMatchObject({ studentNo: STUDENT_USER_NO, name: '张小三', nameMasked: false, decision: 'required', rule: 'E1', nationalIdMasked: null, email: 's1@stu.example.edu.cn', phone: '13800138000' });
      expect(own.reason.zh).toContain('须参加图像采集');
      for (const other of [ids.physics, ids.math]) {
        const res = await call('student', { method: 'GET', path: `/api/students/${other}` });
        expect(res.status).toBe(403);
      }
      const list = await call('student', { method: 'GET', path: '/api/students' });
      expect(list.status).toBe(403);
    });
  });
});
