// Start-up check that this process's master key and photo keys are the ones the database's data is sealed
// with (issue 11): a second `serve` on the same PostgreSQL with another GRADPHOTO_MASTER_KEY or
// GRADPHOTO_PHOTO_KEY would otherwise start and seal ID numbers and photos no other process can open.
// Like the audit key (assertAuditKeyMatches, decision 0002), a wrong key refuses the start; the messages
// name the variable and the key version, never a key.
import type { FieldCipher } from '../adapters/field-cipher.js';
import type { PhotoKeyring } from '../adapters/envelope-crypto.js';
import type { ServiceDeps } from './deps.js';

/**
 * Opens one sealed national ID number with the master key, and for every key-encryption-key version the
 * photo blobs use, unwraps one data key with the photo keyring. Throws (Chinese and English) on the first
 * that does not open. A database with nothing sealed yet has nothing to compare with and passes.
 */
export async function assertDataKeysMatch(db: ServiceDeps['db'], cipher: FieldCipher, keyring: PhotoKeyring): Promise<void> {
  const sealed = await db.db.selectFrom('students').select('national_id_enc').where('national_id_enc', 'is not', null).limit(1).executeTakeFirst();
  if (sealed?.national_id_enc) {
    try {
      cipher.decrypt(sealed.national_id_enc);
    } catch {
      throw new Error(
        '主密钥（GRADPHOTO_MASTER_KEY 或 <data>/keys/master.key）不是本数据库中身份证号加密所用的密钥，服务未启动：请使用与其他进程相同的主密钥。' +
          ' / The master key (GRADPHOTO_MASTER_KEY or <data>/keys/master.key) is not the one the ID numbers in this database are sealed with; ' +
          'the server did not start: use the same master key as the other processes (README "Running on several machines").',
      );
    }
  }
  const versions = await db.db.selectFrom('photo_blobs').select('kek_version').distinct().orderBy('kek_version').execute();
  for (const { kek_version: version } of versions) {
    const blob = await db.db.selectFrom('photo_blobs').select(['id', 'wrapped_key']).where('kek_version', '=', version).orderBy('id').limit(1).executeTakeFirstOrThrow();
    try {
      keyring.unwrap(blob.wrapped_key, version, blob.id);
    } catch {
      const where = keyring.source === 'env' ? 'GRADPHOTO_PHOTO_KEY' : `<data>/keys/photo-kek.v${version}.key`;
      throw new Error(
        `照片密钥第 ${version} 版（${where}）缺失或不是本数据库中照片所用的密钥，服务未启动：请使用与其他进程相同的 GRADPHOTO_PHOTO_KEY。` +
          ` / Photo key version ${version} (${where}) is missing or is not the one this database's photos are sealed with; ` +
          'the server did not start: use the same GRADPHOTO_PHOTO_KEY as the other processes (losing the photo key loses the photos).',
      );
    }
  }
}
