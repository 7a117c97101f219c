import { Secret, TOTP } from 'otpauth';

/** RFC 6238 one-time codes for admin accounts (30 s step, 6 digits, ±1 step of clock drift). */
export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, username: string): string {
  return new TOTP({ issuer: 'gradphoto', label: username, secret: Secret.fromBase32(secret) }).toString();
}

/** The time step a code belongs to (within ±1 step of `now`), or null when it matches none. */
export function matchTotpStep(secret: string, code: string, now: Date): number | null {
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / totp.period) + delta;
}


export function generateTotp(secret: string, now: Date): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: now.getTime() });
}
