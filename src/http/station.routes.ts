import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SetStationStudentRequestSchema, StationIdParamsSchema, StationSchema } from '../contracts/station.js';
import * as stationService from '../services/station.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

const ERRORS = errorResponses('STUDENT_NOT_FOUND', 'STUDENT_NOT_ELIGIBLE');

export const stationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/stations/:stationId',
    {
      config: { permission: 'station.read' },
      schema: {
        operationId: 'getStation',
        tags: ['photos'],
        summary: "A capture station and the student photographed there now (masked name for the agency's roles), or null",
        params: StationIdParamsSchema,
        response: { 200: StationSchema, ...ERRORS },
      },
    },
    async (request) => stationService.getStation(app.deps, actorOf(request), request.params.stationId),
  );

  app.put(
    '/api/stations/:stationId/current-student',
    {
      config: { permission: 'photo.upload' },
      schema: {
        operationId: 'setStationStudent',
        tags: ['photos'],
        summary: 'Names the student photographed at the station from now on (camera files of the hot-folder agent go to them); audited',
        params: StationIdParamsSchema,
        body: SetStationStudentRequestSchema,
        response: { 200: StationSchema, ...ERRORS },
      },
    },
    async (request) => stationService.setStationStudent(app.deps, actorOf(request), request.params.stationId, request.body),
  );

  app.delete(
    '/api/stations/:stationId/current-student',
    {
      config: { permission: 'photo.upload' },
      schema: {
        operationId: 'clearStationStudent',
        tags: ['photos'],
        summary: 'Nobody is photographed at the station: new camera files wait until a student is named; audited',
        params: StationIdParamsSchema,
        response: { 200: StationSchema, ...ERRORS },
      },
    },
    async (request) => stationService.clearStationStudent(app.deps, actorOf(request), request.params.stationId),
  );
};
