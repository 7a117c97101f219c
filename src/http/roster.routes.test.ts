// Issue 8, roster uploads over real HTTP on a loopback port, once per database: hostile files are refused
// with a named, translated error and the server stays up (finding 1); an import never stops /api/health
// from answering (finding 6); a roster that removes many students needs the count confirmed a second
// time, and the template downloads (finding 13).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedStringsBombXlsx } from '../../test/fixtures/make-roster-fixtures.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ROSTER_FIELDS } from '../domain/roster.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** A CSV of `rows` rows each wrong in six columns (~68 bytes a row), built in one piece. */
function invalidRowsCsv(rows: number): Buffer {
  const lines = ['学号,姓名,院系,层次,证书类型,预计毕业时间,毕业类型,手机'];
  for (let i = 0; i < rows; i++) lines.push(`${3000000000 + i},张三${i % 10},火星学院,本科,三证,2024-13,肄业,12345`);
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

/** A CSV whose header has `columns` columns (and one data row). */
function wideHeaderCsv(columns: number): Buffer {
  const header = Array.from({ length: columns }, (_, i) => (i < 7 ? ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型'][i] : `列${i}`));
  return Buffer.from(`${header.join(',')}\r\n1,张三,物理学院,硕士,双证,2024-07,毕业\r\n`, 'utf8');
}

describe.each(DIALECTS)('roster uploads over HTTP on %s (issue 8)', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let cookie: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'roster-admin');
    cookie = await loginOverHttp(server.url, 'roster-admin');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  function upload(path: string, file: Buffer, fileName: string, opts: { lang?: string; fields?: Record<string, string> } = {}): Promise<Response> {
    const form = new FormData();
    for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(file)]), fileName);
    return fetch(`${server.url}${path}`, { method: 'POST', body: form, headers: { cookie, 'accept-language': opts.lang ?? 'zh-CN' } });
  }

  async function health(): Promise<{ status: number; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/health`);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0 };
  }

  /**
   * Polls /api/health while `work` runs, one request at a time with 25 ms between them (under the API's
   * rate limit however long the import takes); every poll's status and latency.
   */
  async function pollHealthDuring<T>(work: Promise<T>): Promise<{ result: T; polls: { status: number; ms: number }[] }> {
    let done = false;
    const settled = work.finally(() => (done = true));
    const polls: { status: number; ms: number }[] = [];
    while (!done) {
      polls.push(await health());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { result: await settled, polls };
  }

  it('refuses a ~1 MB workbook of 150 million shared strings with ROSTER_TOO_COMPLEX in zh and en, and stays up (finding 1)', { timeout: 180_000 }, async () => {
    const bomb = await sharedStringsBombXlsx(150_000_000);
    const zh = await upload('/api/roster/preview', bomb, 'roster.xlsx');
    expect(zh.status).toBe(422);
    const zhBody = (await zh.json()) as ErrorBody;
    expect(zhBody.error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(zhBody.error.message).toBe('名单文件超出可处理的范围：解压后的大小为 715.3 MB，上限 512 MB');
    // The same bomb with a directory that lies about its size is caught while it unpacks.
    const lying = await sharedStringsBombXlsx(150_000_000, { declaredSize: 1000 });
    const en = await upload('/api/roster/preview', lying, 'roster.xlsx', { lang: 'en' });
    expect(en.status).toBe(422);
    const enBody = (await en.json()) as ErrorBody;
    expect(enBody.error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(enBody.error.message).toMatch(/^The roster file is beyond what can be processed: the compression ratio is \d+:1, the limit is 200:1$/);
    expect((await health()).status).toBe(200);
    // … and still imports a real roster afterwards.
    const ok = await upload('/api/roster/preview', Buffer.from(rosterCsv([rosterRow('2101110001')])), 'roster.csv');
    expect(ok.status).toBe(200);
  });

  it('keeps /api/health answering while it reads a hostile CSV: a 1,000,000-column header, then 20 MB of invalid rows (finding 6)', { timeout: 300_000 }, async () => {
    const wide = await pollHealthDuring(upload('/api/roster/preview', wideHeaderCsv(1_000_000), 'wide.csv'));
    expect(wide.result.status).toBe(422);
    const wideBody = (await wide.result.json()) as ErrorBody;
    expect(wideBody.error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(wideBody.error.message).toMatch(/^名单文件超出可处理的范围：列数为 > [\d,]+，上限 200$/);

    const invalid = invalidRowsCsv(320_000);
    expect(invalid.length).toBeGreaterThan(20 * 1024 * 1024);
    const run = await pollHealthDuring(upload('/api/roster/preview', invalid, 'invalid.csv'));
    expect(run.result.status).toBe(200);
    const preview = (await run.result.json()) as { valid: boolean; errorCount: number; errors: unknown[] };
    expect(preview.valid).toBe(false);
    expect(preview.errorCount).toBe(320_000 * 6);
    expect(preview.errors).toHaveLength(10_000);
    // Health answered throughout: every poll was a 200, and polls kept completing while the file was read.
    const polls = [...wide.polls, ...run.polls];
    expect(polls.filter((p) => p.status !== 200)).toEqual([]);
    expect(run.polls.length).toBeGreaterThanOrEqual(5);
    const sorted = polls.map((p) => p.ms).sort((a, b) => a - b);
    console.info(
      `[roster.routes.test ${dialect}] /api/health during hostile imports: ${polls.length} polls, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
  });

  it('needs the removal count confirmed a second time when a roster would remove more than 20% of the students (finding 13)', async () => {
    const all = Array.from({ length: 10 }, (_, i) => rosterRow(String(2109000000 + i)));
    const first = await upload('/api/roster/apply', Buffer.from(rosterCsv(all)), 'all.csv');
    expect(first.status).toBe(200);
    // 7 of 10 left: 3 removed (30%).
    const fewer = Buffer.from(rosterCsv(all.slice(0, 7)));
    const preview = await upload('/api/roster/preview', fewer, 'fewer.csv');
    expect(((await preview.json()) as { removals: unknown }).removals).toEqual({ count: 3, stored: 10, thresholdPercent: 20, needsConfirmation: true });

    const unconfirmed = await upload('/api/roster/apply', fewer, 'fewer.csv');
    expect(unconfirmed.status).toBe(409);
    const body = (await unconfirmed.json()) as ErrorBody;
    expect(body.error.code).toBe('ROSTER_REMOVES_MANY');
    expect(body.error.message).toBe('此名单将移除 3 名学生（占现有 10 名的 30%，超过 20%），请再次确认移除人数后导入');
    const wrongCount = await upload('/api/roster/apply', fewer, 'fewer.csv', { fields: { confirmRemovals: '2' }, lang: 'en' });
    expect(wrongCount.status).toBe(409);
    expect(((await wrongCount.json()) as ErrorBody).error.message).toBe(
      'This roster would remove 3 of 10 students (30%, more than 20%); confirm the number of removals to import it',
    );
    const notANumber = await upload('/api/roster/apply', fewer, 'fewer.csv', { fields: { confirmRemovals: 'all' } });
    expect(notANumber.status).toBe(400);
    // Nothing was removed by the refusals.
    expect(Number((await rt.deps.db.db.selectFrom('students').where('removed_at', 'is', null).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(10);

    const confirmed = await upload('/api/roster/apply', fewer, 'fewer.csv', { fields: { confirmRemovals: '3' } });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { summary: { removed: number } }).summary.removed).toBe(3);
    // One removal of 7 (14%) needs no second confirmation.
    const oneLess = await upload('/api/roster/apply', Buffer.from(rosterCsv(all.slice(0, 6))), 'one-less.csv');
    expect(oneLess.status).toBe(200);
  });

  it('lists every error at once: a repeated student number is reported even when its first row has another error (finding 13)', async () => {
    const csv = rosterCsv([rosterRow('2109100001', { 层次: '学士' }), rosterRow('2109100001'), rosterRow('2109100002', { 姓名: '张\u202E三' })]);
    const res = await upload('/api/roster/preview', Buffer.from(csv), 'dup.csv', { lang: 'en' });
    const body = (await res.json()) as { errors: { row: number; column: string; message: string }[] };
    expect(body.errors.map((e) => [e.row, e.column])).toEqual([
      [2, '层次'],
      [3, '学号'],
      [4, '姓名'],
    ]);
    expect(body.errors[1]!.message).toBe('Row 3, "学号": student number "2109100001" repeats row 2');
    expect(body.errors[2]!.message).toContain('U+202E');
  });

  it('serves the template with every accepted column, in .xlsx and .csv (finding 13)', async () => {
    const xlsx = await fetch(`${server.url}/api/roster/template`, { headers: { cookie } });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('名单模板.xlsx')}`);
    // Uploaded as it is, every column is recognised and the only complaint is that no student is in it.
    const checked = await upload('/api/roster/preview', Buffer.from(await xlsx.arrayBuffer()), '名单模板.xlsx', { lang: 'en' });
    const preview = (await checked.json()) as { format: string; unknownColumns: string[]; errors: { message: string }[] };
    expect(preview).toMatchObject({ format: 'xlsx', unknownColumns: [] });
    expect(preview.errors.map((e) => e.message)).toEqual(['The roster holds no students (no rows below the header)']);
    const csv = await fetch(`${server.url}/api/roster/template?format=csv&lang=en`, { headers: { cookie } });
    expect(csv.status).toBe(200);
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8')).toBe(`\uFEFF${ROSTER_FIELDS.map((f) => f.label.en).join(',')}\r\n`);
    expect((await fetch(`${server.url}/api/roster/template`)).status).toBe(401);
  });
});
