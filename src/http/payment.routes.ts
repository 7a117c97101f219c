import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  DayCloseQuerySchema,
  DayCloseSchema,
  PaymentListQuerySchema,
  PaymentListSchema,
  PaymentSchema,
  PaymentSettingsParamsSchema,
  PaymentSettingsRequestSchema,
  PaymentSettingsSchema,
  ReconciliationQuerySchema,
  ReconciliationSchema,
  RecordPaymentRequestSchema,
  RefundListQuerySchema,
  RefundListSchema,
} from '../contracts/payment.js';
import * as paymentService from '../services/payment.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';
import { formatMegabytes, readUpload } from './multipart.js';

/** Electronic payments and their reconciliation (issue 9 section 3, P1; docs/decisions/0020-payments.md). */
export const PAYMENT_STATEMENT_URL = '/api/payments/statements';

/** A day's bill file is a few hundred KB; 20 MB leaves room for a month of two rooms. */
const MAX_STATEMENT_BYTES = 20 * 1024 * 1024;

export const paymentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/payments',
    {
      config: { permission: 'payment.record' },
      schema: {
        operationId: 'recordPayment',
        tags: ['payments'],
        summary:
          'Records a WeChat Pay or Alipay payment of the campaign price (in fen) for a required student: 201; the same student and transaction again: 200. Another student’s transaction: 409 PAYMENT_REFERENCE_IN_USE; a student who paid already: 409 ALREADY_PAID unless `duplicate` (then it is on the refund list); audited',
        body: RecordPaymentRequestSchema,
        response: {
          201: PaymentSchema,
          200: PaymentSchema,
          ...errorResponses('PAYMENT_TRANSACTION_INVALID', 'PAYMENT_AMOUNT_MISMATCH', 'PAYMENT_REFERENCE_IN_USE', 'ALREADY_PAID', 'STUDENT_NOT_FOUND', 'STUDENT_NOT_ELIGIBLE', 'CAMPAIGN_NOT_FOUND', 'CONFLICT'),
        },
      },
    },
    async (request, reply) => {
      const done = await paymentService.recordPayment(app.deps, actorOf(request), request.body);
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.get(
    '/api/payments',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'listPayments',
        tags: ['payments'],
        summary: 'Recorded payments (filters: site, date in campaign time, method, refundDue) with totals; masked names for the agency’s roles',
        querystring: PaymentListQuerySchema,
        response: { 200: PaymentListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.listPayments(app.deps, actorOf(request), request.query),
  );

  app.get(
    '/api/payments/refunds',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'listRefunds',
        tags: ['payments'],
        summary:
          'Payments to pay back, with the reason: a second payment of one student (with the payment that counts), or a student who paid and is no longer required (E7, with the rule) or left the roster; totals; masked names for the agency’s roles',
        querystring: RefundListQuerySchema,
        response: { 200: RefundListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.listRefunds(app.deps, actorOf(request), request.query),
  );

  app.get(
    '/api/payments/refunds.xlsx',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'exportRefunds',
        tags: ['payments'],
        summary: 'The refund list as XLSX (masked names for the agency’s roles; audited)',
        querystring: RefundListQuerySchema,
        response: { 200: z.any(), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const file = await paymentService.exportRefunds(app.deps, actorOf(request), request.query);
      return sendXlsx(reply, file);
    },
  );

  app.get(
    '/api/payments/day-close',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'getDayClose',
        tags: ['payments'],
        summary:
          'The day-close of one site and day (default today, campaign time): queue tickets issued / served / open / skipped / removed (no-shows), students photographed and confirmed, payments by method with duplicates; no personal data',
        querystring: DayCloseQuerySchema,
        response: { 200: DayCloseSchema, ...errorResponses('NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.getDayClose(app.deps, actorOf(request), request.query),
  );

  app.post(
    PAYMENT_STATEMENT_URL,
    {
      config: { permission: 'payment.reconcile' },
      schema: {
        operationId: 'importPaymentStatement',
        tags: ['payments'],
        summary:
          'Imports a merchant bill file as downloaded (multipart field `file`: WeChat Pay 交易账单 CSV or Alipay 业务明细 CSV, recognised by content) and answers its reconciliation; the same file again answers the stored one (200); a bad file: 422 naming the line, nothing stored',
        response: {
          201: ReconciliationSchema,
          200: ReconciliationSchema,
          ...errorResponses('PAYMENT_STATEMENT_INVALID', 'FILE_TOO_LARGE', 'UPLOAD_TOO_MANY_FIELDS', 'UPLOAD_TOO_MANY_FILES', 'CAMPAIGN_NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const maxFileBytes = Math.min(request.server.maxUploadBytes, MAX_STATEMENT_BYTES);
      const upload = await readUpload(request, { fileField: 'file', maxFileBytes, maxFileText: formatMegabytes(maxFileBytes), maxFields: 10, maxFieldBytes: 4096 });
      const done = await paymentService.importPaymentStatement(app.deps, actorOf(request), { fileName: upload.fileName || 'statement.csv', bytes: upload.bytes });
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.get(
    '/api/payments/reconciliation',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'getReconciliation',
        tags: ['payments'],
        summary:
          'A stored bill file against the payments as recorded now: matched, recorded but not in the statement, in the statement but not recorded, amount differs, refunded, totals vs the file’s summary lines, and the refund list',
        querystring: ReconciliationQuerySchema,
        response: { 200: ReconciliationSchema, ...errorResponses('NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.getReconciliation(app.deps, actorOf(request), request.query.statement),
  );

  app.get(
    '/api/payments/reconciliation.xlsx',
    {
      config: { permission: 'payment.read' },
      schema: {
        operationId: 'exportReconciliation',
        tags: ['payments'],
        summary: 'The reconciliation of a stored bill file as XLSX: a summary sheet and one sheet per list (masked names for the agency’s roles; audited)',
        querystring: ReconciliationQuerySchema,
        response: { 200: z.any(), ...errorResponses('NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const file = await paymentService.exportReconciliation(app.deps, actorOf(request), request.query.statement);
      return sendXlsx(reply, file);
    },
  );

  app.get(
    '/api/sites/:site/payment-settings',
    {
      config: { permission: 'payment.record' },
      schema: {
        operationId: 'getPaymentSettings',
        tags: ['payments'],
        summary: 'Whether the desk asks for payment before giving a queue ticket at this site (default true: pay, then ticket)',
        params: PaymentSettingsParamsSchema,
        response: { 200: PaymentSettingsSchema, ...errorResponses('NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.getPaymentSettings(app.deps, actorOf(request), request.params.site),
  );

  app.put(
    '/api/sites/:site/payment-settings',
    {
      config: { permission: 'schedule.manage' },
      schema: {
        operationId: 'updatePaymentSettings',
        tags: ['payments'],
        summary: 'Sets whether payment comes before queueing at this site (the graduate school decides); audited when it changes',
        params: PaymentSettingsParamsSchema,
        body: PaymentSettingsRequestSchema,
        response: { 200: PaymentSettingsSchema, ...errorResponses('NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => paymentService.updatePaymentSettings(app.deps, actorOf(request), request.params.site, request.body),
  );
};
