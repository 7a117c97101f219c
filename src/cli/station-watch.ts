// `gradphoto station watch DIR --station ID --server URL`: the hot-folder agent of a tethered camera (issue #4
// part 1). This file is the command: its flags, checked before anything starts, the password and one-time code
// asked for at a terminal, and signals. The agent itself is in station/: agent.ts (the loop and the binding of
// files to students), folder-watcher.ts, state-file.ts, http-client.ts, events.ts (what it prints).
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import { StationIdSchema } from '../contracts/station.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { startStationWatch } from './station/agent.js';
import { parseServerUrl } from './station/http-client.js';

/** Reads a line without echoing it (a password or a one-time code at a terminal). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput?: (s: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

function positiveMs(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3_600_000) throw new AppError('VALIDATION_FAILED', { params: { detail: `${flag} ${value}` } });
  return n;
}

interface WatchCliOptions {
  station: string;
  server: string;
  user?: string;
  totp?: string;
  once?: boolean;
  json?: boolean;
  settleMs?: string;
  incompleteMs?: string;
  rescanMs?: string;
  state?: string;
  allowHttp?: boolean;
}

/** `gradphoto station watch …`, registered by main.ts on its `station` command. */
export function addStationWatchCommand(stationCommand: Command, langOf: () => Lang): void {
  stationCommand
    .command('watch <dir>')
    .description('hot-folder agent: uploads each new camera JPEG in DIR once, for the student set at the station (password: $GRADPHOTO_PASSWORD or asked)')
    .requiredOption('--station <id>', 'station id, e.g. beijing-1')
    .requiredOption('--server <url>', 'gradphoto server, e.g. https://photo.example.edu.cn')
    .option('--allow-http', 'accept plain http:// to a host other than this computer (faces and the password travel unencrypted: A3 forbids it in production)')
    .addOption(new Option('--user <name>', 'account (operator)').env('GRADPHOTO_USER'))
    .addOption(new Option('--totp <code>', 'one-time code, when the account has two-step sign-in').env('GRADPHOTO_TOTP'))
    .option('--once', 'process the files present now, then exit')
    .option('--json', 'one JSON line per event')
    .option('--settle-ms <ms>', 'unchanged this long = written', '1000')
    .option('--incomplete-ms <ms>', 'a JPEG without its end marker is sent after this long unchanged', '15000')
    .option('--rescan-ms <ms>', 'full rescan period besides file-system events', '2000')
    .option('--state <file>', 'state file (default DIR/.gradphoto/state.json)')
    .action(async (dir: string, o: WatchCliOptions) => {
      const lang = langOf();
      const bad = (detail: string) => new AppError('VALIDATION_FAILED', { params: { detail } });
      if (!StationIdSchema.safeParse(o.station).success) throw bad(`--station ${o.station}: lowercase letters, digits and -, 1–32`);
      const url = parseServerUrl(o.server, o.allowHttp === true, lang);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw bad(lang === 'en' ? `no such folder: ${dir}` : `文件夹不存在：${dir}`);
      if (!o.user) throw bad(lang === 'en' ? '--user (or $GRADPHOTO_USER) is required' : '需要 --user（或环境变量 GRADPHOTO_USER）');
      let password = process.env.GRADPHOTO_PASSWORD;
      if (!password) {
        if (!process.stdin.isTTY) throw bad(lang === 'en' ? 'set $GRADPHOTO_PASSWORD (not a terminal: cannot ask)' : '请设置环境变量 GRADPHOTO_PASSWORD（非交互终端，无法询问密码）');
        password = await askHidden(lang === 'en' ? `Password for ${o.user}: ` : `${o.user} 的密码：`);
      }
      let totpGiven = o.totp;
      const totp = async () => {
        if (totpGiven) {
          const code = totpGiven;
          totpGiven = undefined; // a code is good once (RFC 6238): later sign-ins ask again
          return code;
        }
        if (!process.stdin.isTTY) return undefined;
        return (await askHidden(lang === 'en' ? 'One-time code: ' : '动态验证码：')).trim();
      };
      const agent = startStationWatch({
        dir,
        station: o.station,
        server: url.origin + url.pathname.replace(/\/+$/, ''),
        user: o.user,
        password,
        totp,
        once: o.once === true,
        json: o.json === true,
        lang,
        settleMs: positiveMs('--settle-ms', o.settleMs, 1000),
        incompleteMs: positiveMs('--incomplete-ms', o.incompleteMs, 15_000),
        rescanMs: positiveMs('--rescan-ms', o.rescanMs, 2000),
        stateFile: o.state,
      });
      const stop = () => void agent.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const summary = await agent.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (o.once && summary.pending > 0) process.exitCode = 1;
    });
}
