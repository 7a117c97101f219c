// The reliability run's checks on the data the server left behind, once it has stopped: T1's and T5's
// invariants counted in the database, and T13 — every change audited, no national ID number outside its
// encrypted column (server output, data directory, database dump), audit tampering detected.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { verifyAuditChain } from '../../src/services/audit.service.js';
import { openRuntime } from '../../src/services/runtime.js';
import { dropAppendOnlyTriggers } from '../../test/support/audit-tamper.js';
import { findPostgresBinDir } from '../../test/support/postgres.js';
import type { Outcome } from './checks.js';
import { bookingNo, codeNo, type Scale } from './setup.js';

type Runtime = Awaited<ReturnType<typeof openRuntime>>;

export async function withData<T>(dataDir: string, databaseUrl: string | undefined, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime({ dataDir, databaseUrl });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** T1: per session, active bookings ≤ capacity and = the seat counter; per student at most one active booking. */
export async function bookingInvariants(rt: Runtime, scale: Scale, attempts: Map<string, number>): Promise<Outcome> {
  const sessions = await rt.db.db.selectFrom('schedule_sessions').select(['id', 'capacity', 'booked', 'site']).execute();
  const active = await rt.db.db.selectFrom('bookings').select(['session_id', 'student_id']).where('status', '=', 'active').execute();
  const bySession = new Map<string, number>();
  const byStudent = new Map<string, number>();
  for (const b of active) {
    bySession.set(b.session_id, (bySession.get(b.session_id) ?? 0) + 1);
    byStudent.set(b.student_id, (byStudent.get(b.student_id) ?? 0) + 1);
  }
  const overbooked = sessions.filter((s) => (bySession.get(s.id) ?? 0) > s.capacity);
  const counterWrong = sessions.filter((s) => (bySession.get(s.id) ?? 0) !== s.booked);
  const twice = [...byStudent.values()].filter((n) => n > 1).length;
  const beijing = sessions.filter((s) => s.site === 'beijing');
  const students = new Set((await rt.db.db.selectFrom('students').select('id').where('student_no', 'like', `${bookingNo(0).slice(0, 4)}%`).execute()).map((s) => s.id));
  const seated = active.filter((b) => students.has(b.student_id)).length;
  const full = beijing.filter((s) => (bySession.get(s.id) ?? 0) === s.capacity).length;
  const answers = [...attempts.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    id: 'T1',
    promise: 'no session overbooked under concurrent booking attempts',
    figure: `${overbooked.length} overbooked of ${sessions.length} sessions after ${scale.bookingAttempts.toLocaleString('en-US')} concurrent attempts by ${scale.bookingStudents} students (${seated} seated, ${full} of ${beijing.length} Beijing sessions full; answers: ${answers}); ${counterWrong.length} seat counters wrong, ${twice} students with two bookings`,
    ok: overbooked.length === 0 && counterWrong.length === 0 && twice === 0 && (attempts.get('SESSION_FULL') ?? 0) > 0 && ![...attempts.keys()].some((k) => k.startsWith('no answer')),
    raw: { sessions: sessions.length, beijingSeats: beijing.map((s) => `${bySession.get(s.id) ?? 0}/${s.capacity}`), overbooked: overbooked.map((s) => s.id), counterWrong: counterWrong.map((s) => s.id), twice, seated, answers: Object.fromEntries(attempts) },
  };
}

/** T5: one of the tries got a ticket; the others were refused COLLECTION_CODE_IN_USE; one code row, one ticket. */
export async function codeInvariants(rt: Runtime, race: { answers: Map<string, number>; tries: number }): Promise<Outcome> {
  const students = (await rt.db.db.selectFrom('students').select('id').where('student_no', 'like', `${codeNo(0).slice(0, 4)}%`).execute()).map((s) => s.id);
  const tickets = Number((await rt.db.db.selectFrom('queue_tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('student_id', 'in', students).executeTakeFirstOrThrow()).n);
  const codes = Number((await rt.db.db.selectFrom('collection_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('student_id', 'in', students).executeTakeFirstOrThrow()).n);
  const ok201 = race.answers.get('201') ?? 0;
  const inUse = race.answers.get('COLLECTION_CODE_IN_USE') ?? 0;
  return {
    id: 'T5',
    promise: 'a collection code is used once, whoever presents it at the same moment',
    figure: `${ok201} of ${race.tries} concurrent tries got a ticket, ${inUse} refused COLLECTION_CODE_IN_USE; ${tickets} ticket and ${codes} code binding in the database`,
    ok: ok201 === 1 && inUse === race.tries - 1 && tickets === 1 && codes === 1,
    raw: { answers: Object.fromEntries(race.answers), tickets, codes },
  };
}

/** The audit events, by action and result. */
export async function auditCounts(rt: Runtime): Promise<Map<string, number>> {
  const rows = await rt.db.db.selectFrom('audit_events').select(['action', 'result', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['action', 'result']).execute();
  return new Map(rows.map((r) => [`${r.action} ${r.result}`, Number(r.n)]));
}

/** The 201 answers of each operation and the audit events that must stand beside each of them. */
const AUDITED_AS: Record<string, string[]> = {
  createBooking: ['booking.created', 'booking.moved'],
  cancelBooking: ['booking.cancelled'],
  checkIn: ['ticket.checked_in'],
  uploadPhoto: ['photo.uploaded'],
};

export function auditCompleteness(before: Map<string, number>, after: Map<string, number>, created: Map<string, number>): { ok: boolean; figure: string; raw: Record<string, unknown> } {
  const lines: string[] = [];
  let ok = true;
  let changes = 0;
  let audited = 0;
  for (const [op, actions] of Object.entries(AUDITED_AS)) {
    const n = created.get(op) ?? 0;
    const events = actions.reduce((sum, a) => sum + (after.get(`${a} ok`) ?? 0) - (before.get(`${a} ok`) ?? 0), 0);
    changes += n;
    audited += Math.min(n, events);
    // kill -9 may lose an answer after the commit: the retry then answers 200 to an event already written (events ≥ answers)
    if (events < n) ok = false;
    lines.push(`${op} ${n}→${events}`);
  }
  const unknown = [...created.keys()].filter((op) => !(op in AUDITED_AS));
  if (unknown.length) ok = false;
  return { ok: ok && changes > 0, figure: `${audited} of ${changes} acknowledged changes audited (${lines.join(', ')})`, raw: { perOperation: lines, unknown } };
}

/** Every place a national ID number must not be: the server's output, each file of the data directory, the dump. */
export function nationalIdLeaks(ids: string[], serverOutput: string, dataDir: string, databaseUrl: string | undefined): { leaks: string[]; bytesSearched: number; files: number } {
  const leaks: string[] = [];
  let bytes = 0;
  let files = 0;
  // the 17 digits before the check character (so the 18 characters too, and a number cut short of its check
  // character): every run of 17 or more digits is looked up, window by window, in the set of prefixes
  const prefixes = new Set(ids.map((id) => id.slice(0, 17)));
  const search = (where: string, text: Buffer) => {
    bytes += text.length;
    for (const m of text.toString('latin1').matchAll(/\d{17,}/g)) {
      for (let i = 0; i + 17 <= m[0].length; i++) if (prefixes.has(m[0].slice(i, i + 17))) leaks.push(`${where}: ${m[0].slice(i, i + 6)}…`);
    }
  };
  search('server output', Buffer.from(serverOutput, 'utf8'));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        search(path.relative(dataDir, p), fs.readFileSync(p));
      }
    }
  };
  walk(dataDir);
  if (databaseUrl) {
    const dump = spawnSync(path.join(findPostgresBinDir(), 'pg_dump'), ['--data-only', '--no-owner', databaseUrl], { maxBuffer: 1 << 30 });
    if (dump.status !== 0) leaks.push(`pg_dump failed: ${dump.stderr?.toString().slice(0, 300)}`);
    else search('pg_dump', dump.stdout);
  }
  return { leaks: [...new Set(leaks)], bytesSearched: bytes, files };
}

/** Three tampering cases on the audit log (edit a row, delete a row, swap two rows): each must fail verification. */
export async function tamperCases(rt: Runtime, dialect: 'sqlite' | 'postgres'): Promise<{ detected: number; cases: number; cleanBefore: boolean; cleanAfter: boolean; notes: string[] }> {
  const db = rt.db.db;
  const notes: string[] = [];
  const cleanBefore = (await verifyAuditChain(rt)).ok;
  await dropAppendOnlyTriggers(db, dialect);
  const n = Number((await db.selectFrom('audit_events').select((eb) => eb.fn.max<number>('seq').as('m')).executeTakeFirstOrThrow()).m);
  const k = Math.max(2, Math.floor(n / 2));
  let detected = 0;
  const check = async (label: string) => {
    const r = await verifyAuditChain(rt);
    if (!r.ok) detected++;
    notes.push(`${label}: ${r.ok ? 'NOT detected' : `detected at ${r.brokenAt ?? '-'}`}`);
  };
  // 1. edit one row's details
  const row = (await db.selectFrom('audit_events').selectAll().where('seq', '=', k).executeTakeFirstOrThrow());
  await db.updateTable('audit_events').set({ details: row.details.replace(/}$/, ',"edited":true}') }).where('seq', '=', k).execute();
  await check('edit');
  await db.updateTable('audit_events').set({ details: row.details }).where('seq', '=', k).execute();
  // 2. delete one row
  await db.deleteFrom('audit_events').where('seq', '=', k).execute();
  await check('delete');
  await db.insertInto('audit_events').values(row).execute();
  // 3. reorder: two neighbours swap places (every field but seq)
  const a = await db.selectFrom('audit_events').selectAll().where('seq', '=', k).executeTakeFirstOrThrow();
  const b = await db.selectFrom('audit_events').selectAll().where('seq', '=', k + 1).executeTakeFirstOrThrow();
  const swap = async (x: typeof a, y: typeof a) => {
    const { seq: _s, ...fields } = y;
    void _s;
    await db.updateTable('audit_events').set(fields).where('seq', '=', x.seq).execute();
  };
  await swap(a, b);
  await swap(b, a);
  await check('reorder');
  await swap(a, a);
  await swap(b, b);
  const cleanAfter = (await verifyAuditChain(rt)).ok;
  return { detected, cases: 3, cleanBefore, cleanAfter, notes };
}
