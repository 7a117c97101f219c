import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateExportRequestSchema, CreateExportResponseSchema, ExportListSchema, ExportParamsSchema, ExportSettingsSchema, RegistryExportSchema } from '../contracts/registry-export.js';
import { AppError } from '../domain/errors.js';
import * as exportService from '../services/registry-export.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

/**
 * The registry package (issue 10 section 1, A1; docs/decisions/0023-registry-export.md). createExport checks
 * everything that can be refused, opens the batch and answers 202 at once; the package is built in the
 * background and getExport shows its progress until it is delivered (or failed). Admin only (export.manage).
 */
export const registryExportRoutes: FastifyPluginAsyncZod = async (app) => {
  const building = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...building]);
  });

  app.post(
    '/api/exports',
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'createExport',
        tags: ['exports'],
        summary:
          'Starts a batch for the registry (学信网): every confirmed, valid (not E7), not yet exported standard photo with manifest.csv, withdrawn.csv and SHA256SUMS, zipped and encrypted with OpenPGP to `recipientKey` (armored public key; default: the data directory’s keys/registry-recipient.asc), signed with keys/registry-signing.asc when present (`sign: false`: unsigned; `sign: true`: refused when it is missing). 202 with the batch (building; follow getExport); 200 with nothingToExport when nothing is new (nothing written). A batch left by a builder that died is abandoned and rebuilt; audited',
        body: CreateExportRequestSchema,
        response: {
          202: CreateExportResponseSchema,
          200: CreateExportResponseSchema,
          ...errorResponses(
            'EXPORT_RECIPIENT_REQUIRED',
            'EXPORT_KEY_INVALID',
            'EXPORT_KEY_PRIVATE',
            'EXPORT_KEY_EXPIRED',
            'EXPORT_KEY_UNUSABLE',
            'EXPORT_SIGNING_KEY_INVALID',
            'EXPORT_PATTERN_INVALID',
            'EXPORT_OUT_DIR_UNWRITABLE',
            'EXPORT_IN_PROGRESS',
            'CAMPAIGN_NOT_FOUND',
          ),
        },
      },
    },
    async (request, reply) => {
      const deps = app.deps;
      const signingFile = exportService.defaultSigningKeyFile(deps);
      const signer =
        request.body.sign === false
          ? undefined
          : await readFile(signingFile).then(
              (bytes) => ({ bytes, source: 'keys/registry-signing.asc', passphrase: undefined }),
              () => undefined,
            );
      if (request.body.sign === true && !signer) throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source: 'keys/registry-signing.asc', reason: 'key-missing' } });
      const prepared = await exportService.prepareRegistryExport(deps, actorOf(request), {
        recipient: request.body.recipientKey ? { bytes: Buffer.from(request.body.recipientKey, 'utf8'), source: request.lang === 'en' ? 'the key in the request' : '请求中的公钥' } : null,
        signer,
        outDir: exportService.serverExportsDir(deps),
        filePattern: request.body.fileNamePattern,
      });
      if ('nothingToExport' in prepared) return reply.status(200).send({ export: null, nothingToExport: true, abandoned: prepared.abandoned });
      const job = prepared.build().catch((e: unknown) => {
        // the batch is marked failed (with its code) and audited by the service; the log gets the code only
        request.log.error({ exportId: prepared.export.id, code: (e as { code?: unknown }).code ?? 'INTERNAL' }, 'registry export failed');
      });
      building.add(job);
      void job.finally(() => building.delete(job));
      return reply.status(202).send({ export: prepared.export, nothingToExport: false, abandoned: prepared.abandoned });
    },
  );

  app.get(
    '/api/exports',
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'listExports',
        tags: ['exports'],
        summary: 'The batches of the active campaign, newest first: status, counts, progress, size, SHA-256, key fingerprints',
        response: { 200: ExportListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => exportService.listRegistryExports(app.deps, actorOf(request)),
  );

  app.get(
    '/api/exports/settings',
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'getExportSettings',
        tags: ['exports'],
        summary:
          'What a batch started now would use and hold: the data directory’s recipient and signing keys (fingerprint, or the code that refuses them), the default file name pattern and a sample student to preview it, the photos ready and the withdrawals (both 0: nothing to export)',
        response: { 200: ExportSettingsSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => exportService.getRegistryExportSettings(app.deps, actorOf(request)),
  );

  app.get(
    '/api/exports/:id',
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'getExport',
        tags: ['exports'],
        summary: 'One batch: its status and progress while building (photos written of photoCount), then size and SHA-256',
        params: ExportParamsSchema,
        response: { 200: RegistryExportSchema, ...errorResponses('EXPORT_NOT_FOUND') },
      },
    },
    async (request) => exportService.getRegistryExport(app.deps, actorOf(request), request.params.id),
  );

  app.get(
    '/api/exports/:id/download',
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'downloadExport',
        tags: ['exports'],
        summary: 'The encrypted package of a delivered batch (.zip.gpg, application/pgp-encrypted); each download is audited',
        params: ExportParamsSchema,
        response: { 200: z.any(), ...errorResponses('EXPORT_NOT_FOUND', 'EXPORT_FILE_MISSING') },
      },
    },
    async (request, reply) => {
      const file = await exportService.openRegistryExportFile(app.deps, actorOf(request), request.params.id);
      return reply
        .header('Content-Type', 'application/pgp-encrypted')
        .header('Content-Length', String(file.bytes))
        .header('Content-Disposition', `attachment; filename="${file.fileName}"`)
        .header('Cache-Control', 'no-store')
        .send(file.stream);
    },
  );
};
