import { z } from 'zod';

/** requestSignInLink: a student number, or the address on the roster. */
export const SignInLinkRequestSchema = z.union([
  z.object({ studentNo: z.string().trim().min(1).max(32) }).strict(),
  z.object({ email: z.string().trim().min(3).max(254) }).strict(),
]);
export type SignInLinkRequest = z.infer<typeof SignInLinkRequestSchema>;

/**
 * The same answer whether or not the student exists (no account enumeration). `delivery`: `mail` — a link is
 * mailed if the student is on the roster with an address; `unavailable` — this server has no mail (SMTP)
 * configured, so nothing is sent to anybody. It depends only on the server's configuration, never on the input.
 */
export const SignInLinkAcceptedSchema = z.object({ status: z.literal('accepted'), delivery: z.enum(['mail', 'unavailable']), validMinutes: z.number().int() });

/** consumeSignInLink: the token from the link's path (base64url of 32 bytes). */
export const ConsumeSignInLinkRequestSchema = z.object({ token: z.string().min(1).max(200) });
