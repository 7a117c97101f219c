// The SMTP adapter against a real SMTP server process (test/support/smtp-sink.ts): delivery, a 550 at
// RCPT TO (permanent), a server that is down (temporary), and the classification table (issue #3 part 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import { classifySmtpError, createSmtpMailer } from './mailer.js';

describe('SMTP mailer', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ reject: ['nobody@example.edu.cn'] });
  }, 30_000);
  afterAll(async () => {
    await sink?.close();
  });

  it('delivers a Chinese message with the given Message-ID; the server stores what it accepted', async () => {
    const mailer = createSmtpMailer({ url: sink.url, from: 'photo@example.edu.cn' });
    const result = await mailer.send({ to: 'zhang@example.edu.cn', subject: '【图像采集】测试 / test', text: '请穿深色正装\nwear dark clothes', messageId: '<job-1@example.edu.cn>' });
    mailer.close();
    expect(result).toMatchObject({ ok: true });
    const [mail] = await sink.waitForMessages(1);
    expect(mail).toMatchObject({ from: 'photo@example.edu.cn', to: ['zhang@example.edu.cn'], messageId: '<job-1@example.edu.cn>', subject: '【图像采集】测试 / test' });
    expect(mail!.text).toContain('请穿深色正装');
  });

  it('a recipient refused with 550 is a permanent failure', async () => {
    const mailer = createSmtpMailer({ url: sink.url, from: 'photo@example.edu.cn' });
    const result = await mailer.send({ to: 'nobody@example.edu.cn', subject: 's', text: 't', messageId: '<job-2@example.edu.cn>' });
    mailer.close();
    expect(result).toMatchObject({ ok: false, kind: 'permanent', responseCode: 550 });
  });

  it('a server that is down is a temporary failure (connection refused)', async () => {
    const down = await startSmtpSink();
    const url = down.url;
    await down.close();
    const mailer = createSmtpMailer({ url, from: 'photo@example.edu.cn', connectionTimeoutMs: 2000 });
    const result = await mailer.send({ to: 'zhang@example.edu.cn', subject: 's', text: 't', messageId: '<job-3@example.edu.cn>' });
    mailer.close();
    expect(result).toMatchObject({ ok: false, kind: 'temporary', responseCode: null });
  });

  it.each([
    [{ code: 'ESOCKET', command: 'CONN' }, false, 'temporary'],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, false, 'temporary'],
    [{ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }, false, 'temporary'],
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, false, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, true, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 451, command: 'DATA' }, true, 'temporary'],
    // the message was handed over and the connection broke before the reply: it may have been accepted
    [{ code: 'ECONNECTION', command: 'CONN' }, true, 'uncertain'],
    [{ code: 'ETIMEDOUT' }, true, 'uncertain'],
  ] as const)('classifies %j (handed over: %s) as %s', (err, handedOver, kind) => {
    expect(classifySmtpError(err, handedOver).kind).toBe(kind);
  });
});
