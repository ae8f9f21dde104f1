import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changeDailyCapacity,
  readWorkCentrePlans,
  resequenceWorkCentre,
} from '../../activities/production-plan-store.js';
import type { Database } from '../../db/client.js';
import type { ReplannedOrder } from '../../domain/production.js';
import type { Auth } from '../auth.js';
import { Problem, ProblemSchema } from '../problems.js';
import {
  CapacityChangedSchema,
  CapacityChangeSchema,
  PlanQuerySchema,
  ProductionPlanSchema,
  ResequencedSchema,
  ResequenceSchema,
  WorkCentreParamsSchema,
  WorkCentreSchema,
} from './plan-schemas.js';
import { tellReplanned } from './tell-replanned.js';

const tags = ['production'];

/** The production plan: read it per work centre, change a work centre's capacity, resequence its planned jobs. */
export const productionPlanRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  /** Tells the moved orders' workflows after the change is committed; one that cannot be reached now is logged. */
  async function tell(replanned: ReplannedOrder[], log: FastifyBaseLogger) {
    const { unreachable } = await tellReplanned(db, temporal, replanned);
    if (unreachable.length > 0) log.warn({ unreachable }, 'replanned orders not told yet: the sweep delivers later');
  }

  app.get(
    '/v1/production/plan',
    {
      onRequest: auth.require('support'),
      schema: {
        tags,
        summary: 'The production plan: open jobs per work centre, in plan order, with planned times',
        description:
          'Plan order: jobs under way first, then urgent planned jobs, then regular planned jobs, each by sequence. Working time is `dailyCapacity` minutes a day from 08:00 UTC, every day.',
        querystring: PlanQuerySchema,
        response: { 200: ProductionPlanSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { workCentre } = request.query;
      const workCentres = await readWorkCentrePlans(db, workCentre);
      if (workCentre !== undefined && workCentres.length === 0) throw unknownWorkCentre(404, 'workCentre', workCentre);
      return { workCentres };
    },
  );

  app.get(
    '/v1/production/work-centres',
    {
      onRequest: auth.require('support'),
      schema: {
        tags,
        summary: 'Work centres, their daily capacity (minutes) and how many open jobs each has',
        response: {
          200: z.object({ items: z.array(WorkCentreSchema), nextCursor: z.null().describe('Always one page') }),
        },
      },
    },
    async () => {
      const plans = await readWorkCentrePlans(db);
      return {
        items: plans.map(({ id, name, dailyCapacity, jobs }) => ({ id, name, dailyCapacity, openJobs: jobs.length })),
        nextCursor: null,
      };
    },
  );

  app.patch(
    '/v1/production/work-centres/:id',
    {
      onRequest: auth.require('admin'),
      schema: {
        tags,
        summary: "Change a work centre's daily capacity; its plan is replanned",
        description:
          'Every open job of the work centre gets new planned times from now. Orders whose promised date moved are listed in `replanned` and their workflows told (a `production_replanned` timeline entry and a notification). The same capacity again moves nothing. Admin only.',
        params: WorkCentreParamsSchema,
        body: CapacityChangeSchema,
        response: { 200: CapacityChangedSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const changed = await changeDailyCapacity(db, {
        workCentreId: id,
        dailyCapacityMinutes: request.body.dailyCapacity,
        now: new Date().toISOString(),
      });
      if (!changed) throw unknownWorkCentre(404, 'id', id);
      await tell(changed.replanned, request.log);
      return { ...changed.workCentre, replanned: changed.replanned };
    },
  );

  app.post(
    '/v1/production/plan/resequence',
    {
      onRequest: auth.require('support'),
      schema: {
        tags,
        summary: "Put planned jobs first in a work centre's plan, in the given order",
        description:
          'The listed planned jobs go first in the given order, the other planned jobs keep their order after them; jobs under way keep their place, and urgency still comes first (an urgent job goes before every planned regular job, so listing a regular job before an urgent one is 422). A job that is unknown, not planned or in another work centre is 422. Orders whose promised date moved are listed in `replanned` and their workflows told.',
        body: ResequenceSchema,
        response: { 200: ResequencedSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const { workCentre, jobIds } = request.body;
      const outcome = await resequenceWorkCentre(db, {
        workCentreId: workCentre,
        jobIds,
        now: new Date().toISOString(),
      });
      if (outcome.kind === 'unknown_work_centre') throw unknownWorkCentre(422, 'workCentre', workCentre);
      if (outcome.kind === 'refused')
        throw new Problem(
          422,
          'resequence-refused',
          'The plan cannot take this sequence',
          outcome.issues.map((issue) => issue.message).join('; '),
          outcome.issues.map(({ index, message }) => ({ path: `jobIds[${index}]`, message })),
        );
      await tell(outcome.replanned, request.log);
      return { ...outcome.plan, replanned: outcome.replanned };
    },
  );
};

function unknownWorkCentre(status: 404 | 422, path: string, id: string): Problem {
  return new Problem(status, 'unknown-work-centre', 'Unknown work centre', `There is no work centre ${id}.`, [
    { path, message: 'is not a work centre' },
  ]);
}
