import crypto from 'node:crypto';
import { deriveKey } from './key-store.js';

/**
 * Encrypts single sensitive fields (national ID numbers) with AES-256-GCM, and gives a keyed hash
 * (HMAC-SHA-256) to compare values without decrypting them.
 */
export interface FieldCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  keyedHash(plain: string): string;
  /**
   * HMAC-SHA-256 (hex) under a key of its own for `purpose`, derived with HKDF from the same master key
   * (e.g. 'collection-code', issue 9): one purpose's hashes cannot be matched against another's, and the key
   * is never stored in the database.
   */
  keyedHashFor(purpose: string, plain: string): string;
}

export function createFieldCipher(master: Buffer, purpose = 'national-id'): FieldCipher {
  const encKey = deriveKey(master, `${purpose}:enc`);
  const macKey = deriveKey(master, `${purpose}:mac`);
  const purposeKeys = new Map<string, Buffer>();
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
    },
    decrypt(sealed) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown sealed field format');
      const decipher = crypto.createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
    keyedHash(plain) {
      return crypto.createHmac('sha256', macKey).update(plain).digest('hex');
    },
    keyedHashFor(otherPurpose, plain) {
      let key = purposeKeys.get(otherPurpose);
      if (!key) purposeKeys.set(otherPurpose, (key = deriveKey(master, `${otherPurpose}:mac`)));
      return crypto.createHmac('sha256', key).update(plain, 'utf8').digest('hex');
    },
  };
}
