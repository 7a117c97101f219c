// E7 (docs/rules/campaign-rules.md): a confirmed photo of a student who is no longer required is invalid.
// Called by the roster import and the campaign's terms inside their own transactions; its own module so that
// campaign.service (which calls it) and photo.service (which reads the active campaign) do not import each other.
import type { Tx } from '../db/database.js';
import * as photoRepo from '../repositories/photo.repository.js';
import type { AuditInput } from './audit.service.js';
import { appendAuditEvents } from './audit.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

/**
 * E7: after decisions were recomputed (roster import, campaign terms), the confirmed photo of a student
 * who is no longer `required` (E4–E6, or removed from the roster) is flagged invalid with the rule; a
 * student who is `required` again gets the flag cleared. One `photo.flagged_invalid` event per photo, in
 * the caller's transaction. Returns how many photos changed.
 */
export async function flagInvalidConfirmedPhotos(tx: Tx, deps: ServiceDeps, actor: Actor, campaignId: string): Promise<number> {
  const rows = await photoRepo.listConfirmedPhotosWithDecisions(tx, campaignId);
  const now = nowIso(deps);
  const events: AuditInput[] = [];
  for (const r of rows) {
    const reason = r.removed_at ? 'removed' : r.decision === 'required' ? null : (r.rule ?? r.decision);
    if (reason === r.invalid_reason) continue;
    await photoRepo.setPhotoInvalid(tx, r.photo_id, reason, reason ? now : null);
    events.push({
      action: 'photo.flagged_invalid',
      targetType: 'photo',
      targetId: r.photo_id,
      details: { studentId: r.student_id, invalid: reason !== null, rule: reason, before: r.invalid_reason, decision: r.decision },
    });
  }
  if (events.length > 0) await appendAuditEvents(tx, deps, actor, events);
  return events.length;
}
