// The registry package over real HTTP, once per database (issue 10 section 1, A1): the admin starts a batch
// (202), follows its progress to delivered, downloads the encrypted file (gpg decrypts it; audited); again:
// nothing to export (200, nothing written); refusals answer their status, code and a sentence in the caller's
// language naming the value; other roles are refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpg, importRegistryRoster, openPackage, seedConfirmedPhoto, type Gpg } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { CreateExportResponseSchema, ExportListSchema, ExportSettingsSchema, RegistryExportSchema, type RegistryExport } from '../contracts/registry-export.js';
import * as exportService from '../services/registry-export.service.js';

describe.each(DIALECTS)('registry export API on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let gpg: Gpg;
  let publicKey: string;
  const cookies = new Map<string, string>();

  const call = async (caller: string, p: string, opts: { json?: unknown; lang?: string } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${p}`, { method: opts.json === undefined ? 'GET' : 'POST', headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, bytes, body: type.includes('json') ? (JSON.parse(bytes.toString('utf8')) as unknown) : null };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    gpg = createGpg();
    publicKey = gpg.generate('registry@chsi.example.org');
    // after the key: a clock a moment before the key's creation finds it not yet valid (EXPORT_KEY_UNUSABLE)
    rt.clock.set(new Date().toISOString());
    const { studentNos } = await importRegistryRoster(rt.deps, 3);
    for (const [i, no] of studentNos.entries()) await seedConfirmedPhoto(rt.deps, no, i + 1);
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'operator', 'secretary'] as const) {
      const a = await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `${role}-export`);
      expect(a.principal).not.toBeNull();
      cookies.set(role, await loginOverHttp(server.url, `${role}-export`));
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    gpg?.remove();
    await rt?.close();
  });

  it('refuses what cannot be used, in the caller’s language, and writes nothing', async () => {
    const none = await call('admin', '/api/exports', { json: {} });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ error: { code: 'EXPORT_RECIPIENT_REQUIRED', message: expect.stringContaining('keys/registry-recipient.asc') } });
    const priv = await call('admin', '/api/exports', { json: { recipientKey: gpg.exportSecret('registry@chsi.example.org') }, lang: 'en' });
    expect(priv.status).toBe(422);
    expect(priv.body).toMatchObject({ error: { code: 'EXPORT_KEY_PRIVATE', message: '"the key in the request" is a private key: the recipient gives only their public key, never the private one; nothing was exported' } });
    const notKey = await call('admin', '/api/exports', { json: { recipientKey: 'hello' } });
    expect(notKey.body).toMatchObject({ error: { code: 'EXPORT_KEY_INVALID', message: expect.stringContaining('“请求中的公钥”不是 OpenPGP 公钥') } });
    const pattern = await call('admin', '/api/exports', { json: { recipientKey: publicKey, fileNamePattern: '<studentNo>_<idNumber>.jpg' } });
    expect(pattern.status).toBe(422);
    expect(pattern.body).toMatchObject({ error: { code: 'EXPORT_PATTERN_INVALID', message: expect.stringContaining('“<studentNo>_<idNumber>.jpg”') } });
    // F3 finding 1: the right-to-left override (and any other invisible character) is refused and named, never obeyed
    for (const lang of ['zh', 'en'] as const) {
      const rtl = await call('admin', '/api/exports', { json: { recipientKey: publicKey, fileNamePattern: '<studentNo>\u202egpj.jpg' }, lang });
      expect(rtl.status).toBe(422);
      const message = (rtl.body as { error: { code: string; message: string } }).error;
      expect(message.code).toBe('EXPORT_PATTERN_INVALID');
      expect(message.message).toContain('<studentNo>‹U+202E›gpj.jpg');
      expect(message.message).toContain(lang === 'zh' ? '文字方向控制符' : 'text-direction');
      expect(message.message).not.toContain('\u202e');
    }
    for (const role of ['operator', 'secretary']) {
      expect((await call(role, '/api/exports', { json: { recipientKey: publicKey } })).status).toBe(403);
      expect((await call(role, '/api/exports')).status).toBe(403);
    }
    expect((await call('anonymous', '/api/exports')).status).toBe(401);
    expect(await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute()).toEqual([]);
  });

  it('getExportSettings shows the data directory’s keys, a sample for the pattern and what a batch would hold; sign: true without a signing key is refused', async () => {
    const keyFile = exportService.defaultRecipientKeyFile(rt.deps);
    fs.rmSync(keyFile, { force: true });
    const before = ExportSettingsSchema.parse((await call('admin', '/api/exports/settings')).body);
    expect(before).toEqual({
      recipientKey: { configured: false, fingerprint: null, problem: null },
      signingKey: { configured: false, fingerprint: null, problem: null },
      defaultPattern: '<studentNo>.jpg',
      sample: { studentNo: expect.stringMatching(/^\d+$/), department: '物理学院' },
      candidates: 3,
      withdrawals: 0,
    });
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, publicKey);
    const after = ExportSettingsSchema.parse((await call('admin', '/api/exports/settings')).body);
    expect(after.recipientKey).toEqual({ configured: true, fingerprint: expect.stringMatching(/^[0-9A-F]{40}$/), problem: null });
    fs.writeFileSync(keyFile, 'not a key');
    expect(ExportSettingsSchema.parse((await call('admin', '/api/exports/settings')).body).recipientKey).toEqual({ configured: true, fingerprint: null, problem: 'EXPORT_KEY_INVALID' });
    fs.rmSync(keyFile);
    const signed = await call('admin', '/api/exports', { json: { recipientKey: publicKey, sign: true }, lang: 'en' });
    expect(signed.status).toBe(422);
    expect(signed.body).toMatchObject({ error: { code: 'EXPORT_SIGNING_KEY_INVALID', message: 'The signing key "keys/registry-signing.asc" cannot be used: there is no such key file in the data directory; nothing was exported' } });
    expect((await call('operator', '/api/exports/settings')).status).toBe(403);
    expect(await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute()).toEqual([]);
  });

  it('starts a batch (202), shows its progress to delivered, downloads it (gpg decrypts; audited); then nothing to export', async () => {
    const started = await call('admin', '/api/exports', { json: { recipientKey: publicKey } });
    expect(started.status).toBe(202);
    const body = CreateExportResponseSchema.parse(started.body);
    expect(body.export).toMatchObject({ status: 'building', photoCount: 3, progress: { total: 3 } });
    const id = body.export!.id;
    let batch: RegistryExport = body.export!;
    for (let i = 0; i < 200 && batch.status === 'building'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      batch = RegistryExportSchema.parse((await call('admin', `/api/exports/${id}`)).body);
    }
    expect(batch).toMatchObject({ status: 'delivered', photoCount: 3, progress: { done: 3, total: 3 }, errorCode: null });
    const list = ExportListSchema.parse((await call('admin', '/api/exports')).body);
    expect(list.items.map((b) => b.id)).toEqual([id]);

    const dl = await call('admin', `/api/exports/${id}/download`);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/pgp-encrypted');
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${batch.fileName}"`);
    expect(dl.headers.get('cache-control')).toBe('no-store');
    expect(crypto.createHash('sha256').update(dl.bytes).digest('hex')).toBe(batch.sha256);
    const file = path.join(gpg.home, batch.fileName);
    fs.writeFileSync(file, dl.bytes);
    const { entries } = await openPackage(gpg, file);
    expect([...entries.keys()].filter((n) => n.endsWith('.jpg'))).toHaveLength(3);
    const downloads = await rt.deps.db.db.selectFrom('audit_events').select(['actor_name', 'target_id']).where('action', '=', 'registry.export_downloaded').execute();
    expect(downloads).toEqual([{ actor_name: 'admin-export', target_id: id }]);

    const again = await call('admin', '/api/exports', { json: { recipientKey: publicKey } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ export: null, nothingToExport: true, abandoned: [] });
    expect(await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute()).toHaveLength(1);

    expect((await call('admin', '/api/exports/00000000-0000-4000-8000-000000000000')).body).toMatchObject({ error: { code: 'EXPORT_NOT_FOUND' } });
    expect((await call('operator', `/api/exports/${id}/download`)).status).toBe(403);
  });
});
