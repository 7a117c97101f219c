// A process with another master key or photo key than the database's data refuses to start (issue 11), as
// one with another audit key does: on PostgreSQL a second `serve` with another GRADPHOTO_MASTER_KEY or
// GRADPHOTO_PHOTO_KEY used to start, then answer 500 to revealNationalId and seal photos nobody else opens.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { applyRosterImport } from './roster.service.js';
import { uploadPhoto } from './photo.service.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';
import { revealNationalId } from './student.service.js';

vi.setConfig({ testTimeout: 60_000 });

const first17 = '11010819990307001';
const NATIONAL_ID = first17 + computeNationalIdCheckChar(first17);

describe.each(DIALECTS)('start-up key check on %s', (dialect) => {
  let rt: TestRuntime;
  const otherKey = crypto.randomBytes(32).toString('base64');
  const reopen = async (extra: Partial<RuntimeOptions>) => {
    const deps = await openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now, hasher: rt.deps.hasher, ...extra });
    await deps.close();
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('with nothing sealed yet, another master key or photo key is refused too: the keys it first started with are checked (migration 0023)', async () => {
    // Before the check values, both started: a second process on a new PostgreSQL with its own keys sealed data nobody else could open.
    const masterRefusal = await reopen({ masterKey: otherKey }).then(() => null, (e: Error) => e.message);
    expect(masterRefusal).toMatch(/主密钥.*服务未启动.*the server did not start/s);
    const photoRefusal = await reopen({ photoKey: otherKey }).then(() => null, (e: Error) => e.message);
    expect(photoRefusal).toMatch(/Photo key version 1 \(GRADPHOTO_PHOTO_KEY\).*did not start/s);
    expect(await rt.deps.db.db.selectFrom('students').select('id').where('national_id_enc', 'is not', null).executeTakeFirst()).toBeUndefined();
    expect(await rt.deps.db.db.selectFrom('photo_blobs').select('id').executeTakeFirst()).toBeUndefined();
    await expect(reopen({})).resolves.toBeUndefined();
  });

  it('two processes starting at once on a database without check values, with different keys: one starts, the other is refused', async () => {
    await rt.deps.db.db.updateTable('installation').set({ master_key_check: null, photo_key_checks: null }).execute();
    const keyFile = (name: string) => fs.readFileSync(path.join(rt.dataDir, 'keys', name), 'utf8').trim();
    const mine = { masterKey: keyFile('master.key'), photoKey: `1:${keyFile('photo-kek.v1.key')}` };
    const theirs = { masterKey: otherKey, photoKey: otherKey };
    const results = await Promise.allSettled([reopen(mine), reopen(theirs)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // whichever won, the database now names its keys: put back this runtime's own if the other won
    if (results[0]!.status === 'rejected') {
      await rt.deps.db.db.updateTable('installation').set({ master_key_check: null, photo_key_checks: null }).execute();
      await reopen(mine);
    }
    await expect(reopen(theirs)).rejects.toThrow(/did not start/);
    await expect(reopen({})).resolves.toBeUndefined();
  });

  it('another master key or photo key is refused, naming the variable and the version, never the key', async () => {
    const admin = await createActor(rt.deps, 'admin', [], 'kc-admin');
    const operator = await createActor(rt.deps, 'operator', [], 'kc-operator');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow('2401200001', { 身份证号: NATIONAL_ID })])) }, 'roster.csv', 'zh');
    const student = await rt.deps.db.db.selectFrom('students').select('id').where('student_no', '=', '2401200001').executeTakeFirstOrThrow();
    expect((await revealNationalId(rt.deps, admin, student.id)).nationalId).toBe(NATIONAL_ID);
    await uploadPhoto(rt.deps, operator, { bytes: fs.readFileSync(path.resolve('test/fixtures/photos/id-blue-12mp.jpg')), studentNo: '2401200001' }, 'zh');

    const masterRefusal = await reopen({ masterKey: otherKey }).then(() => null, (e: Error) => e.message);
    expect(masterRefusal).toMatch(/GRADPHOTO_MASTER_KEY/);
    expect(masterRefusal).toMatch(/主密钥.*服务未启动.*the server did not start/s);
    const photoRefusal = await reopen({ photoKey: otherKey }).then(() => null, (e: Error) => e.message);
    expect(photoRefusal).toMatch(/照片密钥第 1 版（GRADPHOTO_PHOTO_KEY）.*Photo key version 1 \(GRADPHOTO_PHOTO_KEY\).*did not start/s);
    // a keyring that lacks the version the photos use is refused the same way
    const photoV2Only = await reopen({ photoKey: `2:${fs.readFileSync(path.join(rt.dataDir, 'keys', 'photo-kek.v1.key'), 'utf8').trim()}` }).then(() => null, (e: Error) => e.message);
    expect(photoV2Only).toMatch(/Photo key version 1 /);
    for (const m of [masterRefusal, photoRefusal, photoV2Only]) expect(m).not.toContain(otherKey);

    // the right keys (this data directory's key files, or the same keys from the environment) start
    await expect(reopen({})).resolves.toBeUndefined();
    const keyFile = (name: string) => fs.readFileSync(path.join(rt.dataDir, 'keys', name), 'utf8').trim();
    await expect(reopen({ masterKey: keyFile('master.key'), photoKey: `1:${keyFile('photo-kek.v1.key')}` })).resolves.toBeUndefined();
  });
});
