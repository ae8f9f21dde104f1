import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import { readStageDurations, StageFilterSchema, STUCK_PER_STAGE } from './stage-durations.js';

const Milliseconds = z.number().int().min(0);

/** The answer of `GET /v1/analytics/stages`. */
export const StageAnalyticsSchema = z.object({
  asOf: z.iso.datetime().describe('When the answer was computed: `ageMs` is measured to this instant'),
  stages: z
    .array(
      z.object({
        stage: z.string(),
        count: z.number().int().min(0).describe('Stage spans completed: times an order entered the stage and left it'),
        p50Ms: Milliseconds,
        p90Ms: Milliseconds,
        p99Ms: Milliseconds,
      }),
    )
    .describe('In the order of the happy path'),
  bottlenecks: z
    .array(
      z.object({
        stage: z.string(),
        totalMs: Milliseconds,
        share: z.number().min(0).max(1).describe("The stage's part of the time spent in all stages, to 4 decimals"),
      }),
    )
    .describe('Most time spent first'),
  stuck: z
    .array(
      z.object({
        stage: z.string(),
        orders: z.array(z.object({ orderId: z.string(), since: z.iso.datetime(), ageMs: Milliseconds })),
      }),
    )
    .describe(`The orders in each stage now, waiting longest first (at most ${STUCK_PER_STAGE} per stage)`),
});

/** Where orders spend their time: durations per stage from the timeline, the bottlenecks, and the orders stuck now. */
export const stageAnalyticsRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/analytics/stages',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'Time spent in each stage, the bottlenecks, and the orders stuck longest',
        description:
          'Over orders placed in [`from`, `to`) of the given type and channel, and whose parcel went with `carrier`. An order enters a stage at the first timeline entry with that status after one with another status, and leaves it at the next entry whose status differs; final statuses are not stages. The warehouse scans split `ready_to_ship`: `picked` runs from the pick scan to the pack scan, `packed` from the pack scan to pickup. Percentiles (`percentile_cont`, rounded to whole milliseconds) and totals cover stages left; the stage an order is in now shows under `stuck`.',
        querystring: StageFilterSchema,
        response: { 200: StageAnalyticsSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => readStageDurations(db, request.query),
  );
};
