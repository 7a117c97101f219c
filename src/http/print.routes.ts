import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreatePrintBatchRequestSchema,
  CreatePrintDeliveryRequestSchema,
  HandoverFileQuerySchema,
  HandoverListSchema,
  HandoverQuerySchema,
  HandOverRequestSchema,
  HandOverResponseSchema,
  MyPrintsSchema,
  PrintBatchListSchema,
  PrintBatchParamsSchema,
  PrintBatchSchema,
  PrintDeliveryListSchema,
  PrintDeliveryParamsSchema,
  PrintDeliverySchema,
  PrintSheetQuerySchema,
  ReceivePrintsRequestSchema,
  SendPrintBatchRequestSchema,
} from '../contracts/print.js';
import * as printService from '../services/print.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';

/** A file name that keeps Chinese (RFC 6266 filename*), with an ASCII fallback. */
function disposition(fileName: string): string {
  return `attachment; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Prints and hand-over (issue 10 section 2, A2; docs/decisions/0025-prints-handover.md): the agency's print
 * batches and sheets (print.produce), the graduate school's receipt and deliveries (handover.school), the
 * department's receipt and hand-over (handover.department, a secretary for their departments), the student's own
 * confirmation (handover.confirmMine). Each step is one audit event with its count.
 */
export const printRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/prints/batches',
    {
      config: { permission: 'print.produce' },
      schema: {
        operationId: 'listPrintBatches',
        tags: ['prints'],
        summary: 'The print batches of the active campaign, newest first (sets per department, void sets, each hand-over step), and the confirmed, valid photos not yet printed per department',
        response: { 200: PrintBatchListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => printService.listPrintBatches(app.deps, actorOf(request)),
  );

  app.post(
    '/api/prints/batches',
    {
      config: { permission: 'print.produce' },
      schema: {
        operationId: 'createPrintBatch',
        tags: ['prints'],
        summary: 'A print batch of every confirmed, valid photo not yet printed, of one department or all; `copies` per set (1–8, default 4); audited',
        body: CreatePrintBatchRequestSchema,
        response: { 201: PrintBatchSchema, ...errorResponses('PRINT_NOTHING_TO_PRINT', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const done = await printService.createPrintBatch(app.deps, actorOf(request), request.body, request.lang);
      return reply.status(201).send(done.value);
    },
  );

  app.get(
    '/api/prints/batches/:id/sheet',
    {
      config: { permission: 'print.produce' },
      schema: {
        operationId: 'getPrintSheet',
        tags: ['prints'],
        summary:
          'The print sheet of one department of a batch (application/pdf, streamed): A4, a grid of 4 × 4 standard photos at 300 dpi (40.64 × 54.19 mm) with cut marks, each set’s N copies side by side, each photo labelled with student number, masked name and department, by student number. Sets whose photo the retention policy deleted are not printed but listed on a last page (student number, masked name, why, the date); the header X-Print-Skipped gives their number. Reading the photos is audited (one event per sheet with the counts)',
        params: PrintBatchParamsSchema,
        querystring: PrintSheetQuerySchema,
        response: { 200: z.any(), ...errorResponses('PRINT_BATCH_NOT_FOUND', 'PRINT_DEPARTMENT_NOT_IN_BATCH') },
      },
    },
    async (request, reply) => {
      const file = await printService.openPrintSheet(app.deps, actorOf(request), request.params.id, request.query.department, request.lang);
      return reply
        .header('Content-Type', 'application/pdf')
        .header('Content-Disposition', disposition(file.fileName))
        .header('Cache-Control', 'no-store')
        .header('X-Print-Skipped', String(file.skipped))
        .header('Access-Control-Expose-Headers', 'X-Print-Skipped')
        .send(file.stream);
    },
  );

  app.post(
    '/api/prints/batches/:id/send',
    {
      config: { permission: 'print.produce' },
      schema: {
        operationId: 'sendPrintBatch',
        tags: ['prints'],
        summary: 'The agency marks the batch sent to the graduate school with the sets it counted (must be the batch’s; sets voided meanwhile are taken out first); audited',
        params: PrintBatchParamsSchema,
        body: SendPrintBatchRequestSchema,
        response: { 200: PrintBatchSchema, ...errorResponses('PRINT_BATCH_NOT_FOUND', 'PRINT_BATCH_NOT_OPEN', 'PRINT_SEND_COUNT_MISMATCH') },
      },
    },
    async (request) => printService.sendPrintBatch(app.deps, actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/prints/batches/:id/receive',
    {
      config: { permission: 'handover.school' },
      schema: {
        operationId: 'receivePrintBatch',
        tags: ['prints'],
        summary: 'The graduate school receives a sent batch with the count it checked; a different count only with a note (recorded as a discrepancy); once; audited',
        params: PrintBatchParamsSchema,
        body: ReceivePrintsRequestSchema,
        response: { 200: PrintBatchSchema, ...errorResponses('PRINT_BATCH_NOT_FOUND', 'PRINT_BATCH_NOT_SENT', 'PRINT_BATCH_ALREADY_RECEIVED', 'PRINT_COUNT_MISMATCH') },
      },
    },
    async (request) => printService.receivePrintBatch(app.deps, actorOf(request), request.params.id, request.body, request.lang),
  );

  app.get(
    '/api/prints/deliveries',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'listPrintDeliveries',
        tags: ['prints'],
        summary: 'Deliveries of prints to the departments (a secretary: their own), newest first, with the sets handed over; and the sets the graduate school holds ready per department',
        response: { 200: PrintDeliveryListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => printService.listPrintDeliveries(app.deps, actorOf(request)),
  );

  app.post(
    '/api/prints/deliveries',
    {
      config: { permission: 'handover.school' },
      schema: {
        operationId: 'createPrintDelivery',
        tags: ['prints'],
        summary: 'The graduate school sends a department every set it holds for it (received batches, not void, not sent before); audited with the count',
        body: CreatePrintDeliveryRequestSchema,
        response: { 201: PrintDeliverySchema, ...errorResponses('PRINT_NOTHING_TO_DELIVER', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const done = await printService.createPrintDelivery(app.deps, actorOf(request), request.body);
      return reply.status(201).send(done.value);
    },
  );

  app.post(
    '/api/prints/deliveries/:id/receive',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'receivePrintDelivery',
        tags: ['prints'],
        summary: 'The department’s secretary receives a delivery of their department with the count they checked; a different count only with a note; once; audited',
        params: PrintDeliveryParamsSchema,
        body: ReceivePrintsRequestSchema,
        response: { 200: PrintDeliverySchema, ...errorResponses('PRINT_DELIVERY_NOT_FOUND', 'PRINT_DELIVERY_ALREADY_RECEIVED', 'PRINT_COUNT_MISMATCH', 'PRINT_DEPARTMENT_FORBIDDEN') },
      },
    },
    async (request) => printService.receivePrintDelivery(app.deps, actorOf(request), request.params.id, request.body, request.lang),
  );

  app.get(
    '/api/prints/handover',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'getHandoverList',
        tags: ['prints'],
        summary: 'A department’s students with prints and where each set is (notReceived=true: those who have not received theirs); counts',
        querystring: HandoverQuerySchema,
        response: { 200: HandoverListSchema, ...errorResponses('PRINT_DEPARTMENT_FORBIDDEN', 'PRINT_DEPARTMENT_REQUIRED', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => printService.getHandoverList(app.deps, actorOf(request), request.query),
  );

  app.get(
    '/api/prints/handover/not-received.xlsx',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'exportNotReceived',
        tags: ['prints'],
        summary: 'The students of a department who have not received their prints, as XLSX; audited',
        querystring: HandoverFileQuerySchema,
        response: { 200: z.any(), ...errorResponses('PRINT_DEPARTMENT_FORBIDDEN', 'PRINT_DEPARTMENT_REQUIRED', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => sendXlsx(reply, await printService.exportNotReceived(app.deps, actorOf(request), request.query.department, request.lang)),
  );

  app.get(
    '/api/prints/handover/list.pdf',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'getHandoverListPdf',
        tags: ['prints'],
        summary: 'The printable hand-over list of a department (application/pdf): student number, name, state, a signature column and a date column, the secretary’s signature line; audited',
        querystring: HandoverFileQuerySchema,
        response: { 200: z.any(), ...errorResponses('PRINT_DEPARTMENT_FORBIDDEN', 'PRINT_DEPARTMENT_REQUIRED', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const file = await printService.renderHandoverList(app.deps, actorOf(request), request.query.department, request.lang);
      return reply.header('Content-Type', 'application/pdf').header('Content-Disposition', disposition(file.fileName)).header('Cache-Control', 'no-store').send(file.body);
    },
  );

  app.post(
    '/api/prints/handover',
    {
      config: { permission: 'handover.department' },
      schema: {
        operationId: 'handOverPrints',
        tags: ['prints'],
        summary:
          'The secretary marks students of their department as having received their prints (1–500 student numbers). All or nothing: numbers not on the roster, of another department, without prints, with void prints or whose prints have not reached the department refuse the call, each named with its reason; audited with the count',
        body: HandOverRequestSchema,
        response: { 200: HandOverResponseSchema, ...errorResponses('PRINT_STUDENTS_REFUSED', 'PRINT_DEPARTMENT_FORBIDDEN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => printService.handOverPrints(app.deps, actorOf(request), request.body, request.lang),
  );

  app.get(
    '/api/me/prints',
    {
      config: { permission: 'handover.confirmMine' },
      schema: {
        operationId: 'getMyPrints',
        tags: ['prints'],
        summary: 'Where the student’s own printed photos are, and whether they may confirm having received them',
        response: { 200: MyPrintsSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => printService.getMyPrints(app.deps, actorOf(request)),
  );

  app.post(
    '/api/me/prints/confirm',
    {
      config: { permission: 'handover.confirmMine' },
      schema: {
        operationId: 'confirmMyPrints',
        tags: ['prints'],
        summary: 'The student confirms “我已领取”: only prints that have reached their department and are not void; twice changes nothing (200); audited',
        response: { 201: MyPrintsSchema, 200: MyPrintsSchema, ...errorResponses('PRINT_NOT_GIVEN', 'PRINT_VOIDED', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const done = await printService.confirmMyPrints(app.deps, actorOf(request), request.lang);
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );
};
