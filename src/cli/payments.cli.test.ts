// `gradphoto payments reconcile FILE [--json]` as a child process, once per database (issue 9 section 3, P1):
// a WeChat Pay bill with one recorded payment missing and one unrecorded payment, the human summary, the same
// file again (nothing new stored), and a bad file (exit 2, the line named, nothing stored).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGradphoto } from '../../test/support/gradphoto-cli.js';
import { wechatBill, wechatTx } from '../../test/support/payment-statements.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { SYSTEM } from '../services/deps.js';
import { recordPayment } from '../services/payment.service.js';
import { applyRosterImport } from '../services/roster.service.js';

const TODAY = '2023-10-20'; // the fake clock's day: the payments' date

const run = (args: string[], env: Record<string, string>) => runGradphoto(args, { DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', ...env });

describe.each(DIALECTS)('gradphoto payments reconcile on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let env: Record<string, string>;
  let bill: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    env = rt.databaseUrl ? { DATABASE_URL: rt.databaseUrl } : {};
    await applyRosterImport(rt.deps, SYSTEM, { buffer: Buffer.from(rosterCsv([rosterRow('2601000001', { 姓名: '李小龙' }), rosterRow('2601000002')])) }, 'roster.csv', 'zh');
    await recordPayment(rt.deps, SYSTEM, { studentNo: '2601000001', method: 'wechat', transactionId: wechatTx(1), amountFen: 2000 });
    await recordPayment(rt.deps, SYSTEM, { studentNo: '2601000002', method: 'wechat', transactionId: wechatTx(2), amountFen: 2000 });
    bill = path.join(rt.dataDir, 'wechat-bill.csv');
    fs.writeFileSync(
      bill,
      wechatBill([
        { transactionId: wechatTx(1), amount: '20.00', at: `${TODAY} 09:00:00` },
        { transactionId: wechatTx(3), amount: '20.00', at: `${TODAY} 09:05:00` },
      ]),
    );
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('--json: one matched, one recorded but not in the bill, one in the bill but not recorded; again: the same statement', async () => {
    const r = await run(['--data', rt.dataDir, 'payments', 'reconcile', bill, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { statement: { id: string; method: string }; matched: { payment: { studentNo: string; name: string } }[]; recordedNotInStatement: { studentNo: string }[]; inStatementNotRecorded: { line: number; transactionId: string }[]; totals: { agree: boolean } };
    expect(out.statement.method).toBe('wechat');
    expect(out.matched.map((m) => m.payment.studentNo)).toEqual(['2601000001']);
    expect(out.matched[0]!.payment.name).toBe('李*龙'); // the command line sees masked names, as the agency does
    expect(out.recordedNotInStatement.map((p) => p.studentNo)).toEqual(['2601000002']);
    expect(out.inStatementNotRecorded).toMatchObject([{ line: 3, transactionId: wechatTx(3) }]);
    expect(out.totals.agree).toBe(true);

    const again = await run(['--data', rt.dataDir, 'payments', 'reconcile', bill], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('matched / 已核对: 1');
    expect(again.stdout).toContain(`line 3: ${wechatTx(3)} 20.00`);
    expect(again.stdout).toContain('summary lines / 汇总行: agree / 一致');
    expect(await rt.deps.db.db.selectFrom('payment_statements').select('id').execute()).toEqual([{ id: out.statement.id }]);
  });

  it('a bad file: exit 2, the line named in the chosen language, nothing stored', async () => {
    const bad = path.join(rt.dataDir, 'bad.csv');
    fs.writeFileSync(bad, fs.readFileSync(bill, 'utf8').replace(`\`${wechatTx(3)}`, '`12345'));
    const r = await run(['--data', rt.dataDir, '--lang', 'en', 'payments', 'reconcile', bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('Statement line 3: the transaction number is malformed ("12345"); nothing was imported');
    const j = await run(['--data', rt.dataDir, 'payments', 'reconcile', bad, '--json'], env);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'PAYMENT_STATEMENT_INVALID', details: { line: 3 } } });
    expect(await rt.deps.db.db.selectFrom('payment_statements').select('id').execute()).toHaveLength(1);
  });
});
