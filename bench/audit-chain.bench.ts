// The keyed audit chain (issue 8 finding 4) on SQLite: re-keying an existing plain chain once (migration 0008),
// verifying it, the first checkpoint (a full walk) and appending events, each beside a baseline from the same
// run: hashing the same events with the old plain SHA-256 (what the old code did per event).
// Run: npm run bench -- audit-chain   (BENCH_AUDIT_EVENTS, default 50,000)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { AUDIT_GENESIS_HASH, computeAuditHash, computeLegacyAuditHash, type AuditRecord } from '../src/domain/audit.js';
import { checkpointAuditChain, recordAuditEvent, verifyAuditChain } from '../src/services/audit.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { openRuntime } from '../src/services/runtime.js';
import { fmt, report, timeRuns } from './lib.js';

const N = Number(process.env.BENCH_AUDIT_EVENTS ?? 50_000);
const APPENDS = 2_000;

function record(seq: number): AuditRecord {
  return { seq, at: new Date(1_700_000_000_000 + seq * 1000).toISOString(), actorId: null, actorName: 'system', actorRole: null, action: 'photo.viewed', targetType: 'photo', targetId: crypto.randomUUID(), ip: '10.0.0.1', result: 'ok', details: `{"n":${seq}}` };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-audit-'));
try {
  // A data directory as the previous version left it: migrations up to 0007 and N events in a plain chain.
  const legacy = openDatabase({ dataDir });
  await migrateToLatest(legacy, {}, '0007-oidc');
  let prev = AUDIT_GENESIS_HASH;
  await legacy.db.transaction().execute(async (tx) => {
    for (let seq = 1; seq <= N; seq++) {
      const r = record(seq);
      const hash = computeLegacyAuditHash(prev, r);
      await tx.insertInto('audit_events').values({ seq, at: r.at, actor_id: null, actor_name: r.actorName, actor_role: null, action: r.action, target_type: r.targetType, target_id: r.targetId, ip: r.ip, result: r.result, details: r.details, prev_hash: prev, hash }).execute();
      prev = hash;
    }
    await tx.updateTable('audit_head').set({ seq: N, hash: prev }).where('id', '=', 1).execute();
  });
  await legacy.destroy();

  const records = Array.from({ length: N }, (_, i) => record(i + 1));
  const key = crypto.randomBytes(32);
  const [plainMs] = await timeRuns(1, () => void records.reduce((p, r) => computeLegacyAuditHash(p, r), AUDIT_GENESIS_HASH));
  const [hmacMs] = await timeRuns(1, () => void records.reduce((p, r) => computeAuditHash(key, p, r), AUDIT_GENESIS_HASH));

  let deps!: Awaited<ReturnType<typeof openRuntime>>;
  const [openMs] = await timeRuns(1, async () => {
    deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  });
  try {
    const [verifyMs] = await timeRuns(1, async () => {
      const r = await verifyAuditChain(deps);
      if (!r.ok || r.checked !== N) throw new Error(`verify: ${JSON.stringify(r)}`);
    });
    const [firstCheckpointMs] = await timeRuns(1, async () => {
      if (!(await checkpointAuditChain(deps, { force: true })).written) throw new Error('no checkpoint');
    });
    const [appendMs] = await timeRuns(1, async () => {
      for (let i = 0; i < APPENDS; i++) await recordAuditEvent(deps, SYSTEM, { action: 'photo.viewed', targetType: 'photo', targetId: String(i) });
    });
    const [nextCheckpointMs] = await timeRuns(1, async () => {
      if (!(await checkpointAuditChain(deps, { force: true })).written) throw new Error('no checkpoint');
    });
    // Baseline for the appends: the same without migration 0008's triggers.
    for (const t of ['audit_events_no_update', 'audit_events_no_delete', 'audit_head_forward_only', 'audit_head_no_delete']) await sql.raw(`drop trigger ${t}`).execute(deps.db.db);
    const [appendNoTriggersMs] = await timeRuns(1, async () => {
      for (let i = 0; i < APPENDS; i++) await recordAuditEvent(deps, SYSTEM, { action: 'photo.viewed', targetType: 'photo', targetId: String(i) });
    });

    report({ name: `hashing ${fmt(N)} events`, figure: `HMAC-SHA-256 ${fmt(hmacMs!)} ms`, baseline: `plain SHA-256 ${fmt(plainMs!)} ms`, ratio: `${fmt(hmacMs! / plainMs!, 2)}×`, raw: { N, hmacMs, plainMs } });
    report({ name: `first start over ${fmt(N)} legacy events (migration 0008: verify old chain, re-key, triggers)`, figure: `${fmt(openMs!)} ms`, baseline: `hashing alone ${fmt(plainMs! + hmacMs!)} ms`, ratio: `${fmt(openMs! / (plainMs! + hmacMs!), 1)}×`, raw: { openMs } });
    report({ name: `audit verify of ${fmt(N)} events`, figure: `${fmt(verifyMs!)} ms (${fmt((N / verifyMs!) * 1000)} events/s)`, baseline: `HMAC alone ${fmt(hmacMs!)} ms`, ratio: `${fmt(verifyMs! / hmacMs!, 1)}×`, raw: { verifyMs } });
    report({ name: 'checkpoint: first (walks the whole chain), then after 2,000 new events', figure: `${fmt(firstCheckpointMs!)} ms, then ${fmt(nextCheckpointMs!, 1)} ms`, baseline: `verify ${fmt(verifyMs!)} ms`, ratio: '-', raw: { firstCheckpointMs, nextCheckpointMs } });
    report({ name: `${fmt(APPENDS)} audit events appended, one transaction each`, figure: `${fmt((appendMs! / APPENDS) * 1000)} µs per event`, baseline: `without the triggers ${fmt((appendNoTriggersMs! / APPENDS) * 1000)} µs (HMAC alone ${fmt((hmacMs! / N) * 1000, 1)} µs)`, ratio: `${fmt(appendMs! / appendNoTriggersMs!, 2)}×`, raw: { appendMs, appendNoTriggersMs } });
  } finally {
    await deps.close();
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
