// `gradphoto reminders run [--json]` as a child process on the embedded database, against a real SMTP
// server process (issue #3 part 7): the counts it prints, a second run that sends nothing again, a bounce
// listed for the admin, and MAIL_NOT_CONFIGURED without SMTP_URL. The clock is the real one, so the
// campaign's first day is put three days from today (Asia/Shanghai): its departments are due for the
// week-before reminder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGradphoto } from '../../test/support/gradphoto-cli.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import { localDate } from '../domain/campaign.js';
import { shiftDate } from '../domain/reminders.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const run = (args: string[], env: Record<string, string> = {}) =>
  runGradphoto(args, { DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', SMTP_URL: '', ...env });

describe('gradphoto reminders run', { timeout: 120_000 }, () => {
  let tmp: string;
  let data: string;
  let sink: SmtpSink;
  let firstDayDepartment: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-reminders-cli-'));
    data = path.join(tmp, 'data');
    sink = await startSmtpSink({ reject: ['bounce@example.edu.cn'] });
    // The notice's campaign, moved so that its first day is three days from today in Beijing.
    const campaign = JSON.parse(fs.readFileSync(path.join(REPO, 'src', 'services', 'demo', 'campaign-2024.json'), 'utf8')) as { days: { date: string; departments: string[] }[]; weekendDays: string[] };
    const today = localDate(new Date(), 'Asia/Shanghai');
    const offset = (Date.parse(shiftDate(today, 3)) - Date.parse(campaign.days[0]!.date)) / 86_400_000;
    for (const day of campaign.days) day.date = shiftDate(day.date, offset);
    campaign.weekendDays = campaign.weekendDays.map((d) => shiftDate(d, offset));
    firstDayDepartment = campaign.days[0]!.departments[0]!;
    fs.writeFileSync(path.join(tmp, 'campaign.json'), JSON.stringify(campaign));
    expect((await run(['--data', data, 'campaign', 'load', path.join(tmp, 'campaign.json')])).code).toBe(0);
    const roster = [
      rosterRow('2401000401', { 院系: firstDayDepartment, 邮箱: 'a@example.edu.cn' }),
      rosterRow('2401000402', { 院系: firstDayDepartment, 邮箱: 'bounce@example.edu.cn' }),
      rosterRow('2401000403', { 院系: firstDayDepartment, 证书类型: '单证', 邮箱: 'excluded@example.edu.cn' }),
    ];
    fs.writeFileSync(path.join(tmp, 'roster.csv'), rosterCsv(roster));
    const imported = await run(['--data', data, 'roster', 'import', path.join(tmp, 'roster.csv'), '--yes', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await sink?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('without SMTP_URL: MAIL_NOT_CONFIGURED, exit 1, nothing queued', async () => {
    const r = await run(['--data', data, 'reminders', 'run', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'MAIL_NOT_CONFIGURED' } });
  });

  it('--json prints what was queued and sent; a second run sends nothing again; the bounce is listed', async () => {
    const env = { SMTP_URL: sink.url, MAIL_FROM: 'photo@example.edu.cn' };
    const first = await run(['--data', data, 'reminders', 'run', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as { queued: Record<string, number>; delivery: Record<string, number>; problems: { studentNo: string; state: string; error: string }[] };
    expect(result.queued).toMatchObject({ day: 2, booking: 0 });
    expect(result.delivery).toMatchObject({ delivered: 1, failed: 1 });
    expect(result.problems).toEqual([expect.objectContaining({ studentNo: '2401000402', state: 'failed' })]);
    expect(result.problems[0]!.error).toContain('550');
    const mails = await sink.waitForMessages(1);
    expect(mails.map((m) => m.to)).toEqual([['a@example.edu.cn']]);
    expect(mails[0]!.text).toContain('深色正装');

    const second = await run(['--data', data, 'reminders', 'run'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('queued: 0 booking, 0 department-day');
    expect(second.stdout).toContain('sent: 0');
    expect(second.stdout).toMatch(/failed reminder\.day 2401000402: .*550/);
    expect(second.stdout).not.toContain('bounce@example.edu.cn');
    expect(sink.messages()).toHaveLength(1);
  });
});
