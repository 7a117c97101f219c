// What `gradphoto serve` says when it refuses to start (issue 11 outside test): a photo store that cannot be reached
// is named, with the fact that nothing started, in Chinese and English (it used to say only "照片存储暂时不可用…本次
// 操作未完成"); an audit key that is not the log's is refused in Chinese and English. Outside test of 2026-12-04:
// a busy port, a bad PORT or HOST, a data directory that is a file, an unreachable PostgreSQL were Node's or the
// validator's English naming no setting; a busy port made the first admin whose password was then never shown;
// a second serve on the same SQLite data directory started beside the first.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { runGradphoto } from '../support/gradphoto-cli.js';
import { serve, spawnServe, stop, type ServeProcess } from '../support/serve-process.js';

const BASE_ENV = { DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_AUDIT_KEY: '', GRADPHOTO_PHOTO_KEY: '', BLOB_STORE_URL: '', SMTP_URL: '', GRADPHOTO_LANG: '', HOST: '127.0.0.1', PORT: '0' };

const run = (args: string[], env: Record<string, string>) => runGradphoto(args, { ...BASE_ENV, ...env }, 120_000);

describe('gradphoto serve refuses to start, saying why', { timeout: 180_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-serve-refusals-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a photo store that cannot be reached: named, and that the server did not start, in Chinese and English', async () => {
    const url = 's3://photos/campus?endpoint=http://127.0.0.1:9&region=us-east-1&forcePathStyle=true';
    const res = await run(['--data', path.join(dir, 'store'), 'serve'], { BLOB_STORE_URL: url, AWS_ACCESS_KEY_ID: 'gradphoto', AWS_SECRET_ACCESS_KEY: 'gradphoto-secret' });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain(`照片存储 ${url}（BLOB_STORE_URL）无法使用，gradphoto 未启动`);
    expect(res.stderr).toContain(`The photo store ${url} (BLOB_STORE_URL) cannot be used; gradphoto did not start`);
    expect(res.stderr).toContain('the object store cannot be reached');
    expect(res.stderr).not.toContain('gradphoto-secret');
  });

  it('an audit key that is not the log\'s: refused in Chinese and English', async () => {
    const data = path.join(dir, 'audit');
    // any command opens the installation: the database and its audit log, written with the key file it creates
    const first = await run(['--data', data, 'audit', 'verify'], {});
    expect(first.code, first.stderr).toBe(0);
    const res = await run(['--data', data, 'serve'], { GRADPHOTO_AUDIT_KEY: crypto.randomBytes(32).toString('base64') });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('审计密钥');
    expect(res.stderr).toContain('服务未启动');
    expect(res.stderr).toMatch(/the audit key .* is not the one this audit log is written with/);
  });

  it('a busy port: named with PORT and --port, in both languages; no first admin is made, so the next start shows its password', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const data = path.join(dir, 'busy');
    try {
      const res = await run(['--data', data, 'serve', '--port', String(port)], {});
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(`端口 ${port} 已被占用（也许 gradphoto 已在运行）：请停止占用它的程序，或用 PORT=… 或 --port 换一个端口，gradphoto 未启动。`);
      expect(res.stderr).toContain(`Port ${port} is already in use (is gradphoto already running?)`);
      expect(res.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      blocker.close();
    }
    const started = await serve({ ...BASE_ENV }, data);
    try {
      expect(started.output()).toContain('首个管理员账号');
      expect(started.output()).toMatch(/密码 \/ password:\s+\S{12,}/);
    } finally {
      await stop(started);
    }
  });

  it('one server per SQLite data directory: a second serve is refused naming the first; once it stopped (or was killed) the next one starts', async () => {
    const data = path.join(dir, 'twice');
    const first = await serve({ ...BASE_ENV }, data);
    let firstStopped = false;
    try {
      const second = await run(['--data', data, 'serve'], {});
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toContain(`数据目录 ${data} 已由另一个 gradphoto serve 使用（进程 ${first.child.pid}，${first.url.replace('127.0.0.1', 'localhost')}`);
      expect(second.stderr).toContain(`The data directory ${data} is already served by another gradphoto serve (process ${first.child.pid}`);
      expect(second.stderr).toContain('gradphoto did not start');
      // killed (kill -9): its lock is left behind, and taken over
      await new Promise<void>((resolve) => {
        first.child.once('close', () => resolve());
        first.child.kill('SIGKILL');
      });
      firstStopped = true;
      expect(fs.existsSync(path.join(data, 'serve.lock'))).toBe(true);
      const third = await serve({ ...BASE_ENV }, data);
      await stop(third);
      // stopped cleanly: the lock is gone
      expect(fs.existsSync(path.join(data, 'serve.lock'))).toBe(false);
    } finally {
      if (!firstStopped) await stop(first);
    }
  });

  it('a SIGTERM as soon as it says it is running, or while it starts, stops it cleanly: exit 0, the lock released, every time', async () => {
    // Before: the start-up's last synchronous steps swapped the signal listeners, and a SIGTERM queued meanwhile
    // was dropped with the old listener's handle: the server ran on (2 of 10 to 7 of 14 in a row). A SIGTERM while
    // the photo thread loaded its native modules exited at once and could abort (SIGABRT, 3 of 16).
    const data = path.join(dir, 'sigterm');
    const exits: string[] = [];
    const exited = (child: ServeProcess['child']) =>
      Promise.race([
        new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(code ?? signal)))),
        new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
      ]);
    for (let i = 0; i < 8; i++) {
      // a first start each time (migrations, the demo campaign, the first admin), as in the failures seen; the line
      // looked for every 5 ms, as a supervisor polling a log would
      const child = spawnServe(`${data}-${i}`, { ...BASE_ENV });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
      await expect.poll(() => /is running/.test(output), { timeout: 60_000, interval: 5 }).toBe(true);
      child.kill('SIGTERM');
      const how = await exited(child);
      if (how !== '0') child.kill('SIGKILL');
      exits.push(how);
    }
    expect(exits).toEqual(Array(8).fill('0'));
    for (let i = 0; i < 8; i++) expect(fs.existsSync(path.join(`${data}-${i}`, 'serve.lock'))).toBe(false);
    // while it starts (its database is open, the photo thread loading): it finishes starting, says so, and stops
    const child = spawnServe(data, { ...BASE_ENV });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    await expect.poll(() => fs.existsSync(path.join(data, 'serve.lock')), { timeout: 30_000, interval: 5 }).toBe(true);
    child.kill('SIGTERM');
    const how = await exited(child);
    if (how !== '0') child.kill('SIGKILL');
    expect(how, output).toBe('0');
    expect(output).toContain('stopping as soon as started');
    expect(fs.existsSync(path.join(data, 'serve.lock'))).toBe(false);
  });

  it('a start that hangs (a database that accepts the connection and never answers) still ends on one SIGTERM', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const child = spawnServe(path.join(dir, 'hang'), { ...BASE_ENV, DATABASE_URL: `postgres://gp:gp@127.0.0.1:${port}/gp` });
      let output = '';
      child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
      const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(code ?? signal))));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const t0 = Date.now();
      child.kill('SIGTERM');
      const how = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 25 s'), 25_000))]);
      if (how !== '130') child.kill('SIGKILL');
      expect(how, output).toBe('130');
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(output).toContain('stopping as soon as started, or in 10 s');
    } finally {
      silent.close();
    }
  });

  it('a bad PORT, a data directory that is a file, an unknown HOST, an unreachable PostgreSQL: each names its setting, in both languages', async () => {
    const port = await run(['--data', path.join(dir, 'port'), 'serve'], { PORT: 'abc' });
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('环境变量不正确：');
    expect(port.stderr).toContain('PORT:');
    expect(port.stderr).toContain('The environment is not valid:');
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const data = await run(['--data', file, 'serve'], {});
    expect(data.code).toBe(1);
    expect(data.stderr).toContain(`数据目录 ${file} 无法创建或写入`);
    expect(data.stderr).toContain('GRADPHOTO_DATA=… 或 --data');
    expect(data.stderr).toContain(`The data directory ${file} cannot be created or written`);
    const host = await run(['--data', path.join(dir, 'host'), 'serve'], { HOST: 'no-such-host.invalid' });
    expect(host.code).toBe(1);
    expect(host.stderr).toContain('无法在 no-such-host.invalid 上监听');
    expect(host.stderr).toContain('HOST must be an address of this machine');
    const pg = await run(['--lang', 'en', '--data', path.join(dir, 'pg'), 'serve'], { DATABASE_URL: 'postgres://someone:secret-pw@127.0.0.1:1/nodb' });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain('The database postgres://…@127.0.0.1:1/nodb cannot be reached: connect ECONNREFUSED');
    expect(pg.stderr).toContain('Check DATABASE_URL');
    expect(pg.stderr).not.toContain('secret-pw');
    expect(pg.stderr).not.toContain('migration');
  });
});
