import { hash, verify } from '@node-rs/argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** argon2id, the library's default algorithm (OWASP: m=19 MiB, t=2, p=1). */
export function createArgon2Hasher(opts: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const options = { memoryCost: opts.memoryCost ?? 19456, timeCost: opts.timeCost ?? 2, parallelism: 1 };
  return {
    hash: (password) => hash(password, options),
    verify: async (h, password) => {
      try {
        return await verify(h, password);
      } catch {
        return false;
      }
    },
  };
}
