// What `gradphoto serve` says when it cannot start, and the one-server lock of an SQLite data directory (outside
// test of 2026-12-04: a busy port, an unwritable data directory, a bad HOST or PORT were Node's or the validator's
// English only, naming no setting; a second `serve` on the same SQLite data directory started beside the first).
// Said in both languages, as the other start-up refusals (the language of the command is not known before its
// options are read, and a log is read by whoever runs the machine).
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './process-alive.js';

/** A refusal to start, in Chinese and English: what did not work, which setting to change. */
function refusal(zh: string, en: string): Error {
  return new Error(`${zh}gradphoto 未启动。\n${en} gradphoto did not start.`);
}

export interface StartContext {
  port: number | undefined;
  host: string | undefined;
  dataDir: string;
}

const DATA_DIR_CODES = new Set(['EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EROFS', 'ENOSPC']);

/** A start-up failure as the operator should read it; anything not recognised is returned as it is. */
export function explainStartFailure(e: unknown, ctx: StartContext): unknown {
  if (!(e instanceof Error)) return e;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  if (err.message.startsWith('invalid environment:')) {
    const lines = err.message.slice('invalid environment:'.length).trim();
    return refusal(`环境变量不正确：\n${lines}\n请改正上面列出的变量（见 README“配置”）后重新启动，`, `\nThe environment is not valid:\n${lines}\nCorrect the variables listed above (README "Configuration") and start again;`);
  }
  if (/^GRADPHOTO_\w+_KEY must be/.test(err.message)) {
    const name = /^(GRADPHOTO_\w+_KEY)/.exec(err.message)![1]!;
    return refusal(`${name} 不正确：应为恰好 32 字节的 base64（例如 openssl rand -base64 32 的输出），`, `${name} is not valid: ${err.message.slice(name.length + 1)} (e.g. the output of openssl rand -base64 32);`);
  }
  if (err.syscall === 'listen' && err.code === 'EADDRINUSE') {
    const port = err.port ?? ctx.port;
    return refusal(
      `端口 ${port} 已被占用（也许 gradphoto 已在运行）：请停止占用它的程序，或用 PORT=… 或 --port 换一个端口，`,
      `Port ${port} is already in use (is gradphoto already running?): stop what uses it, or choose another port with PORT=… or --port;`,
    );
  }
  if ((err.syscall === 'listen' && (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES')) || (err.syscall === 'getaddrinfo' && (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'))) {
    const where = `${err.hostname ?? err.address ?? ctx.host ?? ''}${err.code === 'EACCES' ? `:${err.port ?? ctx.port}` : ''}`;
    return refusal(
      `无法在 ${where} 上监听（${err.code}）：HOST 应为本机的地址（默认 127.0.0.1；对外提供服务用 0.0.0.0），端口小于 1024 需要特权，`,
      `Cannot listen on ${where} (${err.code}): HOST must be an address of this machine (default 127.0.0.1; 0.0.0.0 to serve others), and ports below 1024 need privileges;`,
    );
  }
  if (err.code && DATA_DIR_CODES.has(err.code) && typeof err.path === 'string' && isWithin(err.path, ctx.dataDir)) {
    return refusal(
      `数据目录 ${ctx.dataDir} 无法创建或写入（${err.code}：${err.path}）：请用 GRADPHOTO_DATA=… 或 --data 指定一个本用户可写的目录，`,
      `The data directory ${ctx.dataDir} cannot be created or written (${err.code}: ${err.path}): give a directory this user may write with GRADPHOTO_DATA=… or --data;`,
    );
  }
  return e;
}

function isWithin(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) || path.resolve(dir).startsWith(path.resolve(file));
}

interface LockContent {
  pid: number;
  url?: string;
  startedAt: string;
}

/**
 * One `serve` per SQLite data directory (decision 0001: several processes need PostgreSQL): `<data>/serve.lock`,
 * created exclusively, holds the server's process id. A lock whose process is gone (kill -9, a power cut) is taken
 * over; a live one is a refusal naming it. Returns the function that releases the lock (at shutdown).
 */
export function acquireServeLock(dataDir: string): { release(): void; note(url: string): void } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'serve.lock');
  const mine: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      const release = () => {
        try {
          const held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
          if (held.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
      // Any exit but a kill -9 or a power cut releases it, a crash on the way out too (those leave it to be taken over).
      process.once('exit', release);
      return {
        release,
        note: (url: string) => fs.writeFileSync(file, JSON.stringify({ ...mine, url })),
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let held: LockContent | null = null;
    try {
      held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
    } catch {
      held = null; // empty or half-written by a process killed while writing it: not a live server's
    }
    if (held && Number.isInteger(held.pid) && held.pid !== process.pid && isProcessAlive(held.pid)) {
      const where = held.url ? `，${held.url}` : '';
      const whereEn = held.url ? `, ${held.url}` : '';
      throw refusal(
        `数据目录 ${dataDir} 已由另一个 gradphoto serve 使用（进程 ${held.pid}${where}，${held.startedAt} 启动）：一个 SQLite 数据目录只能由一个服务进程使用。请先停止它，或用 --data 指定其他目录；多个进程请使用 PostgreSQL（DATABASE_URL），`,
        `The data directory ${dataDir} is already served by another gradphoto serve (process ${held.pid}${whereEn}, started ${held.startedAt}): one SQLite data directory has one server process. Stop it first or give another directory with --data; several processes need PostgreSQL (DATABASE_URL);`,
      );
    }
    fs.rmSync(file, { force: true }); // the process that held it is gone
  }
  throw new Error(`serve.lock in ${dataDir} could not be taken`);
}
