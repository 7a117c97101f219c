import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateOutletRequestSchema,
  MakeUpSettingsSchema,
  MyMakeUpSchema,
  OutletIdParamsSchema,
  OutletListSchema,
  OutletSchema,
  OutstandingMakeUpListSchema,
  OutstandingMakeUpQuerySchema,
  UpdateMakeUpSettingsRequestSchema,
  UpdateOutletRequestSchema,
} from '../contracts/makeup.js';
import * as makeupService from '../services/makeup.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';

// Make-up captures (issue 10 section 3, S6; docs/decisions/0026-makeup.md). Recording a make-up uses the
// station routes (setStationStudent, uploadPhoto with station makeup-<outlet>-<n>) and the student's /my.
export const makeupRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/makeup/outlets',
    {
      config: { permission: 'makeup.read' },
      schema: {
        operationId: 'listOutlets',
        tags: ['makeup'],
        summary: "The agency's make-up outlets (S6): address, city, opening hours, stations (makeup-<id>-<n>), whether usable now, make-ups recorded at each",
        response: { 200: OutletListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => makeupService.listOutlets(app.deps, actorOf(request)),
  );

  app.post(
    '/api/makeup/outlets',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'createOutlet',
        tags: ['makeup'],
        summary: 'Adds a make-up outlet; one outside the make-up city (Beijing) is refused, its photos would be invalid (S6); audited',
        body: CreateOutletRequestSchema,
        response: { 201: OutletSchema, ...errorResponses('OUTLET_CITY_NOT_ALLOWED', 'OUTLET_EXISTS', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => reply.code(201).send(await makeupService.createOutlet(app.deps, actorOf(request), request.body)),
  );

  app.patch(
    '/api/makeup/outlets/:outletId',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'updateOutlet',
        tags: ['makeup'],
        summary: 'Changes a make-up outlet (name, address, city in the make-up city, hours, stations, active); audited',
        params: OutletIdParamsSchema,
        body: UpdateOutletRequestSchema,
        response: { 200: OutletSchema, ...errorResponses('OUTLET_NOT_FOUND', 'OUTLET_CITY_NOT_ALLOWED', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => makeupService.updateOutlet(app.deps, actorOf(request), request.params.outletId, request.body),
  );

  app.get(
    '/api/makeup/settings',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'getMakeUpSettings',
        tags: ['makeup'],
        summary: 'The make-up city, fee, the deadline per target term, the usual pattern, and when make-ups open (the day after the campaign)',
        response: { 200: MakeUpSettingsSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => makeupService.getMakeUpSettings(app.deps, actorOf(request)),
  );

  app.put(
    '/api/makeup/settings',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'updateMakeUpSettings',
        tags: ['makeup'],
        summary: 'Sets the make-up deadline of each target term (real dates, not before make-ups open); audited',
        body: UpdateMakeUpSettingsRequestSchema,
        response: { 200: MakeUpSettingsSchema, ...errorResponses('CAMPAIGN_NOT_FOUND', 'MAKEUP_DEADLINE_TERM_UNKNOWN', 'MAKEUP_DEADLINE_NOT_A_DATE', 'MAKEUP_DEADLINE_BEFORE_OPENING') },
      },
    },
    async (request) => makeupService.updateMakeUpSettings(app.deps, actorOf(request), request.body),
  );

  app.get(
    '/api/makeup/outstanding',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'listOutstandingMakeUps',
        tags: ['makeup'],
        summary: 'Required students with no valid confirmed photo (missed the campaign, or their confirmation was voided), with their deadline; per department',
        querystring: OutstandingMakeUpQuerySchema,
        response: { 200: OutstandingMakeUpListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => makeupService.listOutstandingMakeUps(app.deps, actorOf(request), request.query),
  );

  app.get(
    '/api/makeup/outstanding.xlsx',
    {
      config: { permission: 'makeup.manage' },
      schema: {
        operationId: 'exportOutstandingMakeUps',
        tags: ['makeup'],
        summary: 'The outstanding make-ups as XLSX (no ID numbers or contact details; audited)',
        querystring: OutstandingMakeUpQuerySchema,
        response: { 200: z.any(), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => sendXlsx(reply, await makeupService.exportOutstandingMakeUps(app.deps, actorOf(request), request.query)),
  );

  app.get(
    '/api/me/makeup',
    {
      config: { permission: 'photo.confirmMine' },
      schema: {
        operationId: 'getMyMakeUp',
        tags: ['makeup'],
        summary: "The signed-in student's make-up (S6): whether they must go, the active Beijing outlets (address, hours) and their term's deadline",
        response: { 200: MyMakeUpSchema, ...errorResponses('STUDENT_NOT_FOUND', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => makeupService.getMyMakeUp(app.deps, actorOf(request)),
  );
};
