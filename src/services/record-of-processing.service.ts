// The record of processing (个人信息处理活动记录; PIPL art. 55-style impact record, issue 10 section 5): purpose,
// categories, recipients, retention (the campaign's policy), security measures, and the counts held now — as JSON
// and as a PDF. Counts only, no personal data. Each generation is an audit event (`retention.record_generated`).
import { renderRecordOfProcessingPdf } from '../adapters/record-of-processing-pdf.js';
import type { RecordOfProcessing } from '../contracts/retention.js';
import type { Lang } from '../domain/i18n.js';
import { campaignDateTime } from '../domain/prints.js';
import { buildRecordOfProcessing } from '../domain/retention.js';
import * as retentionRepo from '../repositories/retention.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { readRetentionPolicy } from './retention.service.js';

export async function getRecordOfProcessing(deps: ServiceDeps, actor: Actor, lang: Lang): Promise<RecordOfProcessing> {
  authorize(actor, 'retention.manage');
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  const policy = await readRetentionPolicy(deps, campaign.id);
  const holdings = await retentionRepo.countHoldings(db, campaign.id);
  const identities = await retentionRepo.countIdentitiesHeld(db, campaign.id);
  const exports = await retentionRepo.countExports(db, campaign.id);
  const closure = await retentionRepo.findClosure(db, campaign.id);
  const generatedAt = nowIso(deps);
  const counts = {
    students: holdings.students,
    required: holdings.required,
    studentsWithNationalId: identities.nationalId,
    studentsWithContact: identities.contact,
    photos: holdings.photos,
    blobsHeld: holdings.blobsHeld,
    bytesHeld: holdings.bytesHeld,
    blobsShredded: holdings.blobsShredded,
    exports: exports.batches,
    exportedPhotos: exports.photos,
    purgeRuns: holdings.purgeRuns,
  };
  // the document says times as the campaign's wall clock (2026-12-03 20:19, as the notice does), never UTC ISO strings
  const wall = (iso: string) => campaignDateTime(iso, campaign.timezone);
  const content = buildRecordOfProcessing({ campaignId: campaign.id, campaignName: campaign.name[lang], generatedAt: wall(generatedAt), closedAt: closure?.closed_at ? wall(closure.closed_at) : null, policy, counts }, lang);
  return { campaignId: campaign.id, generatedAt, lang, ...content, policy, counts };
}

/** getRecordOfProcessing as JSON or PDF; audited with its counts. */
export async function generateRecordOfProcessing(deps: ServiceDeps, actor: Actor, lang: Lang, format: 'json' | 'pdf'): Promise<{ json: RecordOfProcessing; pdf: Buffer | null; fileName: string }> {
  const json = await getRecordOfProcessing(deps, actor, lang);
  const campaign = await getActiveCampaign(deps);
  const pdf = format === 'pdf' ? await renderRecordOfProcessingPdf(json, { lang, campaignId: json.campaignId, generatedAt: campaignDateTime(json.generatedAt, campaign.timezone) }) : null;
  await recordAuditEvent(deps, actor, { action: 'retention.record_generated', targetType: 'campaign', targetId: json.campaignId, details: { format, counts: json.counts } });
  const day = campaignDateTime(json.generatedAt, campaign.timezone).slice(0, 10);
  return { json, pdf, fileName: `${lang === 'zh' ? '个人信息处理活动记录' : 'record-of-processing'}-${json.campaignId}-${day}.${format}` };
}
