// What `gradphoto serve` says when it refuses to start (issue 11 outside test): a photo store that cannot be reached
// is named, with the fact that nothing started, in Chinese and English (it used to say only "照片存储暂时不可用…本次
// 操作未完成"); an audit key that is not the log's is refused in Chinese and English.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGradphoto } from '../support/gradphoto-cli.js';

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
});
