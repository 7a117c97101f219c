import type { AuditListSchema, AuditQuery, AuditVerifyResult } from '../contracts/audit.js';
import type { z } from 'zod';
import type { Tx } from '../db/database.js';
import type { AuditAction, AuditResult } from '../domain/audit.js';
import { AUDIT_GENESIS_HASH, canonicalJson, computeAuditHash, scrubAuditDetails } from '../domain/audit.js';
import * as auditRepo from '../repositories/audit.repository.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

export interface AuditInput {
  action: AuditAction;
  targetType?: string | null;
  targetId?: string | null;
  result?: AuditResult;
  details?: Record<string, unknown>;
}

async function append(tx: Tx, deps: ServiceDeps, actor: Actor, event: AuditInput): Promise<void> {
  await auditRepo.appendAuditEvent(tx, deps.db.dialect, {
    at: nowIso(deps),
    actorId: actor.principal?.userId ?? null,
    actorName: actor.principal?.username ?? actor.system?.label ?? null,
    actorRole: actor.principal?.role ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    ip: actor.ip,
    result: event.result ?? 'ok',
    details: canonicalJson(scrubAuditDetails(event.details)),
  });
}

/**
 * The one way to change data: runs `work` in a transaction and appends its audit event in the same
 * transaction, so a change without its event (or an event without its change) cannot happen.
 * `work` returns `audit: null` only when it changed nothing.
 */
export async function mutate<T>(
  deps: ServiceDeps,
  actor: Actor,
  work: (tx: Tx) => Promise<{ value: T; audit: AuditInput | null }>,
): Promise<T> {
  return deps.db.db.transaction().execute(async (tx) => {
    const { value, audit } = await work(tx);
    if (audit) await append(tx, deps, actor, audit);
    return value;
  });
}

/** Appends events inside a caller's transaction: for a change that touches several targets (one event each). */
export async function appendAuditEvents(tx: Tx, deps: ServiceDeps, actor: Actor, events: AuditInput[]): Promise<void> {
  for (const event of events) await append(tx, deps, actor, event);
}

/** Records an event that goes with no data change: a read of an ID number, a refused access, a failed sign-in. */
export async function recordAuditEvent(deps: ServiceDeps, actor: Actor, event: AuditInput): Promise<void> {
  await deps.db.db.transaction().execute((tx) => append(tx, deps, actor, event));
}

export async function listAuditEvents(deps: ServiceDeps, actor: Actor, query: AuditQuery): Promise<z.infer<typeof AuditListSchema>> {
  authorize(actor, 'audit.read');
  const { rows, total } = await auditRepo.listAuditEvents(deps.db.db, query, query.page, query.pageSize);
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      actorRole: r.actor_role,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      result: r.result as AuditResult,
      details: JSON.parse(r.details) as unknown,
    })),
    total,
    page: query.page,
    pageSize: query.pageSize,
    actions: await auditRepo.listDistinctAuditActions(deps.db.db),
  };
}

/** Recomputes the chain: an edited, inserted, reordered or deleted event breaks it. */
export async function verifyAuditChain(deps: Pick<ServiceDeps, 'db'>): Promise<AuditVerifyResult> {
  let prev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  const broken = (seq: number, problem: string): AuditVerifyResult => ({ ok: false, checked, brokenAt: seq, problem });
  for await (const row of auditRepo.iterateAuditEvents(deps.db.db)) {
    if (row.seq !== expectedSeq) return broken(expectedSeq, `event ${expectedSeq} is missing`);
    if (row.prev_hash !== prev) return broken(row.seq, 'previous-hash link does not match');
    const hash = computeAuditHash(prev, {
      seq: row.seq,
      at: row.at,
      actorId: row.actor_id,
      actorName: row.actor_name,
      actorRole: row.actor_role,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      ip: row.ip,
      result: row.result as AuditResult,
      details: row.details,
    });
    if (hash !== row.hash) return broken(row.seq, 'event content does not match its hash');
    prev = hash;
    expectedSeq++;
    checked++;
  }
  const head = await auditRepo.getAuditHead(deps.db.db);
  if (head.seq !== checked || head.hash !== prev) return broken(checked + 1, `chain ends at ${checked} but the head records ${head.seq}`);
  return { ok: true, checked, brokenAt: null, problem: null };
}
