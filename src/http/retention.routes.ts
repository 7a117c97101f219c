import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CampaignClosePreviewSchema,
  CloseCampaignRequestSchema,
  CloseCampaignResponseSchema,
  RecordFormatQuerySchema,
  RecordOfProcessingSchema,
  RetentionPolicySchema,
  RetentionPreviewSchema,
  RetentionRunListSchema,
  RunRetentionResponseSchema,
  UpdateRetentionPolicyRequestSchema,
} from '../contracts/retention.js';
import { closeCampaign, previewCampaignClose } from '../services/campaign-close.service.js';
import { generateRecordOfProcessing } from '../services/record-of-processing.service.js';
import { getRetentionPolicy, listRetentionRuns, previewRetentionRun, runRetention, updateRetentionPolicy } from '../services/retention.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

/**
 * Retention and deletion (issue 10 section 5, A3; docs/decisions/0027-retention.md): the policy, purge runs and
 * their dry-run preview, closing the campaign, the record of processing. Admin only (retention.manage).
 */
export const retentionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/retention/policy',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'getRetentionPolicy',
        tags: ['retention'],
        summary: 'The active campaign’s retention policy (safe defaults until changed: originals 30 days after the confirmation, standard photos 30 days after the registry accepted them and the prints were handed over; ID numbers and contact details at the close) and its sentences as the notice says them',
        response: { 200: RetentionPolicySchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => getRetentionPolicy(app.deps, actorOf(request), request.lang),
  );

  app.put(
    '/api/retention/policy',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'updateRetentionPolicy',
        tags: ['retention'],
        summary: 'Sets the days (whole days 0–3650 each; RETENTION_DAYS_INVALID names the field and value); audited with the values before and after',
        body: UpdateRetentionPolicyRequestSchema,
        response: { 200: RetentionPolicySchema, ...errorResponses('RETENTION_DAYS_INVALID', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => updateRetentionPolicy(app.deps, actorOf(request), request.body, request.lang),
  );

  app.get(
    '/api/retention/preview',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'previewRetentionRun',
        tags: ['retention'],
        summary: 'A dry run: what a purge would delete now (originals, standard photos, photos, bytes) and the instants the policy’s delays give; writes nothing',
        response: { 200: RetentionPreviewSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => previewRetentionRun(app.deps, actorOf(request)),
  );

  app.get(
    '/api/retention/runs',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'listRetentionRuns',
        tags: ['retention'],
        summary: 'The last purge runs, newest first: trigger, status, counts (no personal data)',
        response: { 200: RetentionRunListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => listRetentionRuns(app.deps, actorOf(request)),
  );

  app.post(
    '/api/retention/runs',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'runRetention',
        tags: ['retention'],
        summary: 'One purge by the policy now: keys destroyed (crypto-shredding) in one transaction with one audit event holding the counts, then the files removed; one run at a time',
        body: z.object({}).optional(),
        response: { 200: RunRetentionResponseSchema, ...errorResponses('RETENTION_RUN_IN_PROGRESS', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => (await runRetention(app.deps, actorOf(request), { trigger: 'api' }))!,
  );

  app.get(
    '/api/campaign/close',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'previewCampaignClose',
        tags: ['retention'],
        summary: 'Whether the campaign is closed; if not, what keeps it open (a package building, hand-overs, make-ups before their deadline), what closing would purge, and the closing report as it would be; writes nothing',
        response: { 200: CampaignClosePreviewSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => previewCampaignClose(app.deps, actorOf(request), request.lang),
  );

  app.post(
    '/api/campaign/close',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'closeCampaign',
        tags: ['retention'],
        summary:
          'Closes the campaign (`confirm`: its id, typed): purges ID numbers, phones and e-mail addresses, every camera original and shot not chosen, every standard photo accepted and handed over; no more bookings, check-ins or uploads; answers the closing report (again, with alreadyClosed, when closed before). One audit event',
        body: CloseCampaignRequestSchema,
        response: { 200: CloseCampaignResponseSchema, ...errorResponses('CAMPAIGN_CLOSE_CONFIRM_MISMATCH', 'CAMPAIGN_CLOSE_BLOCKED', 'CAMPAIGN_CLOSE_REASON_REQUIRED', 'RETENTION_RUN_IN_PROGRESS', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => closeCampaign(app.deps, actorOf(request), request.body, request.lang),
  );

  app.get(
    '/api/retention/record',
    {
      config: { permission: 'retention.manage' },
      schema: {
        operationId: 'getRecordOfProcessing',
        tags: ['retention'],
        summary: 'The record of processing (个人信息处理活动记录, PIPL art. 55-style): purpose, categories, recipients, retention, security measures, counts; `format=json` (default) or `pdf`; `lang=zh|en` (else Accept-Language); audited',
        querystring: RecordFormatQuerySchema,
        response: { 200: z.union([RecordOfProcessingSchema, z.any()]), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const file = await generateRecordOfProcessing(app.deps, actorOf(request), request.query.lang ?? request.lang, request.query.format);
      if (!file.pdf) return reply.header('Cache-Control', 'no-store').send(file.json);
      return reply
        .header('Content-Type', 'application/pdf')
        .header('Content-Disposition', `attachment; filename="record-of-processing.pdf"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
        .header('Cache-Control', 'no-store')
        .send(file.pdf);
    },
  );
};
