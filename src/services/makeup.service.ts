// Make-up captures (issue 10 section 3, rule S6; docs/decisions/0026-makeup.md): students who missed the
// campaign (or whose confirmation was voided, e.g. by the registry's 有误 answer) are photographed afterwards
// at the agency's outlets in the campaign's make-up city (Beijing) before their target term's deadline.
import * as makeupRepo from '../repositories/makeup.repository.js';
import type { ServiceDeps } from './deps.js';

/**
 * Outstanding make-ups per department, for the dashboards: required students on the roster with no valid
 * (not E7-invalid), non-voided confirmed photo. `campaignEnded` says whether the campaign's last day has
 * passed (before that, these students may still come to the campaign's own days).
 */
export async function countOutstandingMakeUpsPerDepartment(deps: Pick<ServiceDeps, 'db'>, campaignId: string): Promise<{ department: string; outstanding: number }[]> {
  return makeupRepo.countOutstandingPerDepartment(deps.db.db, campaignId);
}
