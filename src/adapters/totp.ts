import { Secret, TOTP } from 'otpauth';

/** RFC 6238 one-time codes for admin accounts (30 s step, 6 digits, ±1 step of clock drift). */
export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, username: string): string {
  return new TOTP({ issuer: 'gradphoto', label: username, secret: Secret.fromBase32(secret) }).toString();
}

export function verifyTotp(secret: string, code: string, now: Date): boolean {
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  return totp.validate({ token: code, timestamp: now.getTime(), window: 1 }) !== null;
}

export function generateTotp(secret: string, now: Date): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: now.getTime() });
}
