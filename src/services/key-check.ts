// Start-up check that this process's master key and photo keys are the ones the database's data is sealed
// with (issue 11): a second `serve` on the same PostgreSQL with another GRADPHOTO_MASTER_KEY or
// GRADPHOTO_PHOTO_KEY would otherwise start and seal ID numbers and photos no other process can open.
// Like the audit key (assertAuditKeyMatches, decision 0002), a wrong key refuses the start; the messages
// name the variable and the key version, never a key. Besides the sealed data, each key has a check value in the
// installation row (migration 0023), written by the first process that starts with it: an empty database is
// protected too (two processes started on a new PostgreSQL with different keys would otherwise both run).
import crypto from 'node:crypto';
import type { FieldCipher } from '../adapters/field-cipher.js';
import type { PhotoKeyring } from '../adapters/envelope-crypto.js';
import type { ServiceDeps } from './deps.js';

const MASTER_CHECK_TEXT = 'gradphoto key check v1';

function wrongMasterKey(): Error {
  return new Error(
    '主密钥（GRADPHOTO_MASTER_KEY 或 <data>/keys/master.key）不是本数据库中身份证号加密所用的密钥，服务未启动：请使用与其他进程相同的主密钥。' +
      ' / The master key (GRADPHOTO_MASTER_KEY or <data>/keys/master.key) is not the one the ID numbers in this database are sealed with; ' +
      'the server did not start: use the same master key as the other processes (README "Running on several machines").',
  );
}

function wrongPhotoKey(version: number, keyring: PhotoKeyring): Error {
  const where = keyring.source === 'env' ? 'GRADPHOTO_PHOTO_KEY' : `<data>/keys/photo-kek.v${version}.key`;
  return new Error(
    `照片密钥第 ${version} 版（${where}）缺失或不是本数据库中照片所用的密钥，服务未启动：请使用与其他进程相同的 GRADPHOTO_PHOTO_KEY。` +
      ` / Photo key version ${version} (${where}) is missing or is not the one this database's photos are sealed with; ` +
      'the server did not start: use the same GRADPHOTO_PHOTO_KEY as the other processes (losing the photo key loses the photos).',
  );
}

/**
 * Opens one sealed national ID number with the master key, and for every key-encryption-key version the
 * photo blobs use, unwraps one data key with the photo keyring; then compares every key with its check value
 * (writing the check values of keys seen for the first time). Throws (Chinese and English) on the first key
 * that does not open.
 */
export async function assertDataKeysMatch(db: ServiceDeps['db'], cipher: FieldCipher, keyring: PhotoKeyring): Promise<void> {
  const sealed = await db.db.selectFrom('students').select('national_id_enc').where('national_id_enc', 'is not', null).limit(1).executeTakeFirst();
  if (sealed?.national_id_enc) {
    try {
      cipher.decrypt(sealed.national_id_enc);
    } catch {
      throw wrongMasterKey();
    }
  }
  const versions = await db.db.selectFrom('photo_blobs').select('kek_version').distinct().orderBy('kek_version').execute();
  for (const { kek_version: version } of versions) {
    const blob = await db.db.selectFrom('photo_blobs').select(['id', 'wrapped_key']).where('kek_version', '=', version).orderBy('id').limit(1).executeTakeFirstOrThrow();
    try {
      keyring.unwrap(blob.wrapped_key, version, blob.id);
    } catch {
      throw wrongPhotoKey(version, keyring);
    }
  }
  await assertKeyCheckValues(db, cipher, keyring);
}

type PhotoKeyChecks = Record<string, { context: string; wrapped: string }>;

/**
 * The check values of migration 0023. A key without one gets it, by a conditional update (of two processes
 * starting at once with different keys, the second reads the first's value and refuses); a key with one must
 * open it. Photo key versions the keyring no longer has (retired and removed) are not asked for: the data
 * check above refuses a missing version that photos still use.
 */
async function assertKeyCheckValues(db: ServiceDeps['db'], cipher: FieldCipher, keyring: PhotoKeyring): Promise<void> {
  const read = () => db.db.selectFrom('installation').select(['master_key_check', 'photo_key_checks']).where('one', '=', 1).executeTakeFirst();
  let row = await read();
  if (!row) return; // no installation row: a database older than migration 0022 cannot be here (migrated first)
  if (row.master_key_check === null) {
    await db.db.updateTable('installation').set({ master_key_check: cipher.encrypt(MASTER_CHECK_TEXT) }).where('one', '=', 1).where('master_key_check', 'is', null).execute();
    row = (await read())!;
  }
  let opened: string | undefined;
  try {
    opened = cipher.decrypt(row.master_key_check!);
  } catch {
    opened = undefined;
  }
  if (opened !== MASTER_CHECK_TEXT) throw wrongMasterKey();

  for (let attempt = 0; ; attempt++) {
    const before = row.photo_key_checks;
    const checks: PhotoKeyChecks = before ? (JSON.parse(before) as PhotoKeyChecks) : {};
    const missing = keyring.versions().filter((v) => !checks[String(v)]);
    for (const v of keyring.versions()) {
      const check = checks[String(v)];
      if (!check) continue;
      try {
        keyring.unwrap(check.wrapped, v, check.context);
      } catch {
        throw wrongPhotoKey(v, keyring);
      }
    }
    if (missing.length === 0) return;
    for (const v of missing) {
      const context = `key-check:${crypto.randomUUID()}`;
      checks[String(v)] = { context, wrapped: keyring.wrap(crypto.randomBytes(32), context, v).wrappedKey };
    }
    // Compare-and-set on the whole JSON: another process adding its versions at the same moment makes this one read again.
    const q = db.db.updateTable('installation').set({ photo_key_checks: JSON.stringify(checks) }).where('one', '=', 1);
    const done = await (before === null ? q.where('photo_key_checks', 'is', null) : q.where('photo_key_checks', '=', before)).executeTakeFirst();
    if (Number(done.numUpdatedRows) === 1) return;
    if (attempt >= 5) throw new Error('photo key check values: the installation row kept changing; start again');
    row = (await read())!;
  }
}
