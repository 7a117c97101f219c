// What the reliability run prepares before its server starts (through the services, as an operator's
// scripts would): the demo campaign moved forward, one roster holding every student the checks need (each
// with a national ID number, an e-mail and a phone, so that T13 has something to look for), the staff
// accounts and one session cookie per account that signs in (cheap argon2 parameters for the set-up only).
import { createArgon2Hasher } from '../../src/adapters/password-hasher.js';
import { computeNationalIdCheckChar } from '../../src/domain/national-id.js';
import type { Role } from '../../src/domain/permissions.js';
import { login } from '../../src/services/auth.service.js';
import { demoCampaign, loadCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import { openRuntime } from '../../src/services/runtime.js';
import { updateSiteSettings } from '../../src/services/site-settings.service.js';
import { createUser } from '../../src/services/user.service.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';

export interface Scale {
  bookingStudents: number;
  bookingAttempts: number;
  idempotencyKeys: number;
  codeTries: number;
  kills: number;
  images: number;
  rosters: number;
  /** Beijing's minutes per student during the run (1 station): small sessions, so that T1's attempts fill them */
  beijingMinutesPerStudent: number;
}

// T1 books Beijing's 6 weekday sessions (the demo's other two days are a weekend) with about one seat per
// student: 600 students for 630 seats (75 and 135 a window), 60 for 60 (7 and 13). Sessions fill one by one
// while students keep moving, so seats free and are raced for all along; with far fewer seats than students
// every session is full early and the rest of the attempts only meet the refusal before the transaction.
export const FULL: Scale = { bookingStudents: 600, bookingAttempts: 10_000, idempotencyKeys: 200, codeTries: 100, kills: 20, images: 1000, rosters: 200, beijingMinutesPerStudent: 2 };
export const SHORT: Scale = { bookingStudents: 60, bookingAttempts: 600, idempotencyKeys: 16, codeTries: 100, kills: 2, images: 60, rosters: 30, beijingMinutesPerStudent: 20 };

const PASSWORD = 'reliability run password, long enough';

export const MATRIX_SELF = '2101110001';
export const MATRIX_MATH = '2101110003';
export const bookingNo = (i: number) => `2410${String(i).padStart(6, '0')}`;
export const shenzhenNo = (i: number) => `2420${String(i).padStart(6, '0')}`;
export const codeNo = (i: number) => `2430${String(i).padStart(6, '0')}`;
export const photoNo = (i: number) => `2440${String(i).padStart(6, '0')}`;
export const PHOTO_STUDENTS = 12;

/** A valid, distinct 18-character national ID number for student k. */
export function nationalIdOf(k: number): string {
  const year = 1990 + (k % 10);
  const month = String(Math.floor(k / 10) % 12 + 1).padStart(2, '0');
  const day = String(Math.floor(k / 120) % 28 + 1).padStart(2, '0');
  const seq = String(Math.floor(k / 3360) % 1000).padStart(3, '0');
  const first17 = `110108${year}${month}${day}${seq}`;
  return first17 + computeNationalIdCheckChar(first17);
}

export interface Prepared {
  cookies: Record<'admin' | 'secretary' | 'operator' | 'cashier' | 'student', string>;
  bookingCookies: string[];
  shenzhenCookies: string[];
  nationalIds: string[];
  rosterCsv: Buffer;
  students: number;
}

export async function prepare(dataDir: string, databaseUrl: string | undefined, scale: Scale): Promise<Prepared> {
  const deps = await openRuntime({ dataDir, databaseUrl, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  try {
    const campaign = demoCampaign(new Date());
    await loadCampaign(deps, SYSTEM, campaign);
    const term = campaign.targetTerms[campaign.targetTerms.length - 1]!;
    const rows: RosterRow[] = [];
    const add = (no: string, over: RosterRow = {}) => {
      const k = rows.length;
      rows.push(rosterRow(no, { 预计毕业时间: term, 学习地点: '北京', 身份证号: nationalIdOf(k), 邮箱: `s${k}@stu.example.edu.cn`, 手机: `138${String(k).padStart(8, '0')}`, ...over }));
    };
    add(MATRIX_SELF, { 姓名: '张小三' });
    add(MATRIX_MATH, { 姓名: '李四', 院系: '数学科学学院' });
    for (let i = 0; i < scale.bookingStudents; i++) add(bookingNo(i), { 姓名: `预约${i}` });
    for (let i = 0; i < scale.idempotencyKeys; i++) add(shenzhenNo(i), { 姓名: `深圳${i}`, 院系: '深圳研究生院', 学习地点: '深圳' });
    for (let i = 0; i < scale.codeTries; i++) add(codeNo(i), { 姓名: `签到${i}` });
    for (let i = 0; i < PHOTO_STUDENTS; i++) add(photoNo(i), { 姓名: `拍照${i}` });
    const csv = Buffer.from(rosterCsv(rows));
    const imported = await applyRosterImport(deps, SYSTEM, { buffer: csv }, 'reliability-roster.csv', 'zh');
    if (imported.summary.added !== rows.length) throw new Error(`roster: ${imported.summary.added} of ${rows.length} imported`);
    // Beijing made small (1 station, minutes per student of the scale) so that T1's attempts fill its sessions.
    await updateSiteSettings(deps, SYSTEM, 'beijing', { stations: 1, minutesPerStudent: scale.beijingMinutesPerStudent });

    const signIn = async (username: string, role: Role, departments: string[] = []) => {
      await createUser(deps, SYSTEM, { username, role, departments, password: PASSWORD });
      const outcome = (await login(deps, { username, password: PASSWORD }, '127.0.0.1', 'reliability')) as { token: string };
      return `gp_session=${outcome.token}`;
    };
    const cookies = {
      admin: await signIn('rel-admin', 'admin'),
      secretary: await signIn('rel-secretary', 'secretary', ['物理学院']),
      operator: await signIn('rel-operator', 'operator'),
      cashier: await signIn('rel-cashier', 'cashier'),
      student: await signIn(MATRIX_SELF, 'student'),
    };
    const bookingCookies: string[] = [];
    for (let i = 0; i < scale.bookingStudents; i++) bookingCookies.push(await signIn(bookingNo(i), 'student'));
    const shenzhenCookies: string[] = [];
    for (let i = 0; i < scale.idempotencyKeys; i++) shenzhenCookies.push(await signIn(shenzhenNo(i), 'student'));
    return { cookies, bookingCookies, shenzhenCookies, nationalIds: rows.map((r) => r.身份证号!), rosterCsv: csv, students: rows.length };
  } finally {
    await deps.close();
  }
}
