// Campaigns placed around today for the journeys after the capture (make-up, after-capture), and the CLI that
// loads them into a journey server's data directory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.js';

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of today + `days` in Beijing. */
export function beijingDate(days: number): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The demo campaign moved so that its days end `lastDay` days from today (0: today is its last day, the school's
 * stations still photograph; -8: it ended last week and make-ups are open now), with make-up deadlines ahead
 * (its January term in 20 days, its July term in 120), as a campaign file's JSON.
 */
export function campaignEnding(lastDay: number, campaign: { id: string; label: { zh: string; en: string } }): string {
  const demo = JSON.parse(readFileSync(path.join(ROOT, 'src', 'services', 'demo', 'campaign-2024.json'), 'utf8')) as { days: { date: string }[]; [k: string]: unknown };
  const y = Number(beijingDate(0).slice(0, 4)) + 1;
  return JSON.stringify({
    ...demo,
    id: campaign.id,
    name: { zh: `${y}年毕业研究生图像采集（${campaign.label.zh}）`, en: `Diploma photos ${y} (${campaign.label.en})` },
    targetTerms: [`${y}-01`, `${y}-07`],
    retakeBefore: `${y - 1}-07`,
    deferTerms: [`${y + 1}-01`, `${y + 1}-07`],
    weekendDays: [],
    days: demo.days.map((d, i) => ({ ...d, date: beijingDate(lastDay - (demo.days.length - 1) + i) })),
    makeUp: { city: 'Beijing', where: "the agency's Beijing branch", fee: 20, deadlines: { [`${y}-01`]: beijingDate(20), [`${y}-07`]: beijingDate(120) } },
  });
}

/** Runs `gradphoto ARGS` (bin/gradphoto.js) and answers its exit code and output. */
export function gradphoto(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'gradphoto.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}
