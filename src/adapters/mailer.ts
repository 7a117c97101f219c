// Mail over SMTP (nodemailer), behind a small interface (docs/architecture.md: adapters). Every failure is
// classified, because the job runner's promise "never lost, never sent twice" depends on it:
// - temporary: the server certainly did not take the message (connection refused, timeout before the
//   message was handed over, a 4xx reply) → retry later;
// - permanent: the server refused it for good (5xx, e.g. `550 user unknown` on RCPT TO) → bounce, no retry;
// - uncertain: the connection broke after the whole message was handed over and before the server's reply
//   (it may have been accepted) → never resent automatically (docs/decisions/0007-jobs-and-mail.md).
import { Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** deterministic per job (`<job-…@host>`), so a receiving system could spot a duplicate */
  messageId: string;
}

export type MailFailureKind = 'temporary' | 'permanent' | 'uncertain';

export type MailResult =
  | { ok: true; response: string }
  | { ok: false; kind: MailFailureKind; responseCode: number | null; message: string };

export interface Mailer {
  readonly from: string;
  send(message: MailMessage): Promise<MailResult>;
  close(): void;
}

export interface SmtpMailerOptions {
  /** `smtp://host:port`, `smtps://user:pass@host:465` */
  url: string;
  from: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  message?: string;
}

/** Classifies a nodemailer error; `handedOver` = the whole message went to the socket before it failed. */
export function classifySmtpError(err: SmtpError, handedOver: boolean): { kind: MailFailureKind; responseCode: number | null } {
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  if (code !== null && code >= 500) return { kind: 'permanent', responseCode: code };
  // A 4xx reply is an explicit "not now": the server did not take the message, whatever the phase.
  if (code !== null && code >= 400) return { kind: 'temporary', responseCode: code };
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return { kind: 'permanent', responseCode: code };
  return { kind: handedOver ? 'uncertain' : 'temporary', responseCode: code };
}

export function createSmtpMailer(opts: SmtpMailerOptions): Mailer {
  // nodemailer is loaded and the transport made on the first message: a process that sends none (the CLI) never loads it.
  let transport: Promise<Transporter> | undefined;
  const getTransport = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: opts.url,
        // Not an open relay over plain text by accident: STARTTLS is used whenever the server offers it.
        connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
        greetingTimeout: opts.connectionTimeoutMs ?? 10_000,
        socketTimeout: opts.socketTimeoutMs ?? 30_000,
      }),
    ));
  return {
    from: opts.from,
    async send(message) {
      const [{ default: MailComposer }, smtp] = await Promise.all([import('nodemailer/lib/mail-composer'), getTransport()]);
      const composed = await new MailComposer({
        from: opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: message.messageId,
      })
        .compile()
        .build();
      let handedOver = false;
      const raw = Readable.from([composed]);
      raw.once('end', () => {
        handedOver = true;
      });
      try {
        const info = await smtp.sendMail({ envelope: { from: opts.from, to: [message.to] }, raw });
        // Some servers accept the envelope but reject a recipient: nodemailer reports it in `rejected`.
        const rejected = (info.rejected ?? []) as unknown[];
        if (rejected.length > 0) return { ok: false, kind: 'permanent', responseCode: 550, message: String(info.response ?? 'recipient rejected') };
        return { ok: true, response: String(info.response ?? '') };
      } catch (e) {
        const err = (e ?? {}) as SmtpError;
        const { kind, responseCode } = classifySmtpError(err, handedOver);
        return { ok: false, kind, responseCode, message: String(err.message ?? e).slice(0, 500) };
      }
    },
    close: () => void transport?.then((t) => t.close(), () => undefined),
  };
}
