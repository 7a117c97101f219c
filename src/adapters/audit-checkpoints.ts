// Audit checkpoints outside the database (issue 8 finding 4; docs/decisions/0002-audit-hash-chain.md): signed
// (seq, hash, at) lines appended to a file under the data directory, and optionally posted to an outside
// service. Someone who can rewrite the database but not these cannot hide a truncated or recomputed chain.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditCheckpoint } from '../domain/audit.js';
import { fsyncDir } from './durable-file.js';

export interface CheckpointFileProblem {
  line: number;
  problem: string;
}

export interface CheckpointFileContents {
  checkpoints: (AuditCheckpoint & { line: number })[];
  problems: CheckpointFileProblem[];
}

export interface AuditCheckpointStore {
  /** the JSON-lines file (for messages) */
  readonly file: string;
  /** appends one line and fsyncs it; then offers every unsent checkpoint to the sink, if there is one */
  append(cp: AuditCheckpoint): Promise<{ sinkError: string | null }>;
  read(): Promise<CheckpointFileContents>;
  last(): Promise<AuditCheckpoint | undefined>;
  /** checkpoints the sink has not acknowledged yet (kept in memory, oldest dropped beyond 1000) */
  pendingForSink(): number;
}

export interface AuditCheckpointStoreOptions {
  dataDir: string;
  /** AUDIT_CHECKPOINT_URL: every checkpoint is POSTed there as JSON; absent = file only */
  sinkUrl?: string | undefined;
  /** per POST; a slow sink must not hold the checkpoint writer */
  sinkTimeoutMs?: number;
}

const MAX_PENDING = 1000;

export function auditCheckpointFile(dataDir: string): string {
  return path.join(dataDir, 'audit', 'checkpoints.jsonl');
}

export function createAuditCheckpointStore(opts: AuditCheckpointStoreOptions): AuditCheckpointStore {
  const file = auditCheckpointFile(opts.dataDir);
  const pending: AuditCheckpoint[] = [];
  let lastWritten: AuditCheckpoint | undefined;

  async function postPending(): Promise<string | null> {
    if (!opts.sinkUrl) return null;
    while (pending.length > 0) {
      const cp = pending[0]!;
      try {
        const res = await fetch(opts.sinkUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'gradphoto.audit.checkpoint', ...cp }),
          signal: AbortSignal.timeout(opts.sinkTimeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) return `checkpoint sink answered ${res.status}`;
      } catch (e) {
        return `checkpoint sink unreachable: ${(e as Error).message}`;
      }
      pending.shift();
    }
    return null;
  }

  return {
    file,
    async append(cp) {
      const dir = path.dirname(file);
      const existed = fs.existsSync(file);
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      // O_APPEND and one write per line: two processes of one data directory (server and a CLI command)
      // never interleave inside a line.
      const handle = await fs.promises.open(file, 'a', 0o600);
      try {
        await handle.write(JSON.stringify(cp) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (!existed) await fsyncDir(dir);
      lastWritten = cp;
      if (opts.sinkUrl) {
        pending.push(cp);
        if (pending.length > MAX_PENDING) pending.shift();
      }
      return { sinkError: await postPending() };
    },
    read: () => readAuditCheckpointFile(file),
    async last() {
      if (lastWritten) return lastWritten;
      const { checkpoints } = await readAuditCheckpointFile(file);
      // The highest sequence number: two processes may append out of order.
      return checkpoints.reduce<AuditCheckpoint | undefined>((best, cp) => (!best || cp.seq > best.seq ? cp : best), undefined);
    },
    pendingForSink: () => pending.length,
  };
}

/**
 * Reads a checkpoint file (this installation's, or a copy of what the outside sink received). A missing
 * file holds no checkpoints. A last line without its newline is a write cut short by a crash and is skipped;
 * any other unreadable line is a problem (someone edited the file).
 */
export async function readAuditCheckpointFile(file: string): Promise<CheckpointFileContents> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], problems: [] };
    throw e;
  }
  const lines = text.split('\n');
  // After the last newline: '' for a complete file, or the cut-short line of a crash; either way not read.
  const complete = lines.slice(0, -1);
  const checkpoints: CheckpointFileContents['checkpoints'] = [];
  const problems: CheckpointFileProblem[] = [];
  complete.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const cp = parseCheckpoint(raw);
    if (cp) checkpoints.push({ ...cp, line: i + 1 });
    else problems.push({ line: i + 1, problem: 'not a checkpoint' });
  });
  return { checkpoints, problems };
}

function parseCheckpoint(raw: string): AuditCheckpoint | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const isHex = (x: unknown, len: number) => typeof x === 'string' && x.length === len && /^[0-9a-f]+$/.test(x);
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 1) return undefined;
  if (!isHex(o.hash, 64) || !isHex(o.mac, 64) || !isHex(o.keyId, 16) || typeof o.at !== 'string') return undefined;
  return { seq: o.seq as number, hash: o.hash as string, at: o.at, keyId: o.keyId as string, mac: o.mac as string };
}
