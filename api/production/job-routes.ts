import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/client.js';
import { callerOf, type Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import {
  InspectionSchema,
  InspectionVerdictSchema,
  JobParams,
  ProductionEventAcceptedSchema,
  ProductionEventSchema,
} from './job-schemas.js';
import { recordInspection } from './job-inspections.js';
import { reportProductionEvent } from './job-events.js';

/** Shop-floor terminals report job events and inspections; each is recorded once and told to the job's order. */
export const productionJobRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.post(
    '/v1/production-jobs/:id/events',
    {
      onRequest: auth.require('service'),
      schema: {
        tags: ['production'],
        summary: 'Report that a job started, progressed or was completed',
        description:
          'The event id makes it idempotent: a repeat answers `duplicate: true` and changes nothing. A job that is done, scrapped or cancelled takes no more events (409). The order is told at once, or by the API sweep when the workflow service is away.',
        params: JobParams,
        body: ProductionEventSchema,
        response: { 202: ProductionEventAcceptedSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const deps = { db, temporal, onRefused: (err: unknown) => request.log.warn({ err }, 'production event owed') };
      const accepted = await reportProductionEvent(deps, request.params.id, request.body, callerOf(request).name);
      return reply.status(202).send(accepted);
    },
  );

  app.post(
    '/v1/production-jobs/:id/inspections',
    {
      onRequest: auth.require('service'),
      schema: {
        tags: ['production'],
        summary: "Record an inspection; the server judges it against the product's quality standard",
        description:
          'Every property of the standard must be measured and within its range (inclusive). A repeated id answers 200 with the stored verdict. Refused (409) for a job not started or closed, and a final inspection unless the job was reported completed after its last start.',
        params: JobParams,
        body: InspectionSchema,
        response: { 200: InspectionVerdictSchema, 201: InspectionVerdictSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const deps = { db, temporal, onRefused: (err: unknown) => request.log.warn({ err }, 'inspection owed') };
      const { answer, created } = await recordInspection(deps, request.params.id, request.body, callerOf(request).name);
      return reply.status(created ? 201 : 200).send(answer);
    },
  );
};
