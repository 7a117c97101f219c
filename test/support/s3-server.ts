// A real S3-compatible server for the tests (issue 11 section 1): s3rver (npm) as its own process on loopback,
// with a temporary directory, one or more buckets, and its fixed credentials. Tests point the blob store at it
// with `BLOB_STORE_URL=s3://<bucket>/<prefix>?endpoint=…&forcePathStyle=true` and the AWS_* variables of `env`.
//
// s3rver's list continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider: the server process
// (only it) runs with --openssl-legacy-provider. Nothing of this reaches beyond 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SERVER_SCRIPT = `
const S3rver = require('s3rver');
const [dir, buckets] = process.argv.slice(1);
new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: JSON.parse(buckets).map((name) => ({ name })) })
  .run()
  .then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'), (e) => { console.error(e); process.exit(1); });
process.on('SIGTERM', () => process.exit(0));
`;

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** the credentials s3rver accepts, as the AWS variables */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  /** a BLOB_STORE_URL for this server: a fresh random prefix unless one is given */
  url(opts?: { prefix?: string; bucket?: string; endpoint?: string }): string;
  /** where s3rver keeps the objects (to look at what is stored) */
  directory: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startS3Server(opts: { buckets?: string[] } = {}): Promise<S3TestServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-s3-'));
  const buckets = opts.buckets ?? ['gradphoto-photos'];
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER_SCRIPT, directory, JSON.stringify(buckets)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString('utf8');
      const m = /\{"port":(\d+)\}/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket: buckets[0]!,
    directory,
    child,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    url: (o = {}) => `s3://${o.bucket ?? buckets[0]}/${o.prefix ?? `t-${crypto.randomBytes(4).toString('hex')}`}?endpoint=${o.endpoint ?? endpoint}&region=us-east-1&forcePathStyle=true`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Sets the AWS variables of `server` in this process (the blob store reads them, as in production). */
export function useS3Credentials(server: S3TestServer): void {
  Object.assign(process.env, server.env);
}
