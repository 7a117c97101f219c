// A real SMTP server in its own process (the `smtp-server` package), for tests of the mail paths
// (issue #3 parts 6 and 7). Run as a child with `node --import tsx test/support/smtp-sink.ts`; each
// accepted message is written (envelope + raw) as one JSON file into a directory the test reads.
// Recipients listed in SINK_REJECT get `550 5.1.1 user unknown` at RCPT TO. Stopping the process and
// starting it again on the same port simulates "the mail server is down".
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Mailer } from '../../src/adapters/mailer.js';
import { createSmtpMailer } from '../../src/adapters/mailer.js';

const THIS_FILE = fileURLToPath(import.meta.url);

export interface SinkMessage {
  from: string;
  to: string[];
  raw: string;
  /** decoded headers and text body of the single-part text messages the app sends */
  messageId: string;
  subject: string;
  text: string;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  port: number;
  messages(): SinkMessage[];
  /** forgets the messages received so far */
  clear(): void;
  /** waits (polling the directory) until at least `count` messages have arrived */
  waitForMessages(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** kills the server process: connections are refused until `start` */
  stop(): Promise<void>;
  /** starts it again on the same port (nothing when it is running) */
  start(): Promise<void>;
  close(): Promise<void>;
}

// ───────────────────────────── the parent side (tests) ─────────────────────────────

/** The app's own SMTP adapter pointed at a sink (for tests in layers that may not import adapters). */
export function createSinkMailer(sink: Pick<SmtpSink, 'url'>, from = 'photo@example.edu.cn'): Mailer {
  return createSmtpMailer({ url: sink.url, from });
}

export async function startSmtpSink(opts: { reject?: string[] } = {}): Promise<SmtpSink> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-smtp-'));
  let child: ChildProcess | null = null;
  let port = 0;

  const spawnChild = async (): Promise<void> => {
    if (child && child.exitCode === null) return;
    const proc = spawn(process.execPath, ['--import', 'tsx', THIS_FILE], {
      env: { ...process.env, SMTP_SINK_CHILD: '1', SINK_PORT: String(port), SINK_DIR: dir, SINK_REJECT: (opts.reject ?? []).join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    port = await new Promise<number>((resolve, reject) => {
      const lines = readline.createInterface({ input: proc.stdout! });
      const onExit = (code: number | null) => reject(new Error(`smtp sink exited (${code}) before listening`));
      proc.once('exit', onExit);
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { event: string; port?: number };
        if (msg.event === 'listening') {
          proc.off('exit', onExit);
          resolve(msg.port!);
        }
      });
    });
  };

  const stopChild = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  const readMessages = (): SinkMessage[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => decodeMessage(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { from: string; to: string[]; raw: string }));

  await spawnChild();
  return {
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    messages: readMessages,
    clear: () => {
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.rmSync(path.join(dir, f));
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = readMessages();
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, ${got.length} arrived`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: stopChild,
    start: spawnChild,
    async close() {
      await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function decodeMessage(stored: { from: string; to: string[]; raw: string }): SinkMessage {
  const split = stored.raw.indexOf('\r\n\r\n');
  const headerText = stored.raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = stored.raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
  return {
    ...stored,
    messageId: headers.get('message-id') ?? '',
    subject: decodeEncodedWords(headers.get('subject') ?? ''),
    text: text.replace(/\r\n/g, '\n'),
  };
}

// ───────────────────────────── the child process (the server) ─────────────────────────────

async function runServer(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  const dir = process.env.SINK_DIR!;
  const reject = new Set((process.env.SINK_REJECT ?? '').split(',').filter(Boolean).map((a) => a.toLowerCase()));
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (reject.has(address.address.toLowerCase())) {
        const err = new Error('5.1.1 user unknown') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const record = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        const name = `${process.hrtime.bigint().toString().padStart(20, '0')}-${String(seq++).padStart(6, '0')}`;
        // temp → rename: the test never reads half a file; the reply (250) goes only after it is stored.
        fs.writeFileSync(path.join(dir, `${name}.tmp`), JSON.stringify(record));
        fs.renameSync(path.join(dir, `${name}.tmp`), path.join(dir, `${name}.json`));
        callback();
      });
    },
  });
  server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(JSON.stringify({ event: 'listening', port }) + '\n');
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (process.env.SMTP_SINK_CHILD === '1' && process.argv[1] === THIS_FILE) void runServer();
