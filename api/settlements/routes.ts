import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { Database } from '../../db/client.js';
import {
  SETTLEMENT_CYCLES,
  SETTLEMENT_STATUSES,
  settlementId,
  type SettlementPeriod,
} from '../../domain/settlement.js';
import { settlementWorkflow } from '../../workflows/settlement.js';
import { callerOf, type Auth } from '../auth.js';
import { decodeCursor, encodeCursor, PageLimit } from '../paging.js';
import { Problem, ProblemSchema } from '../problems.js';
import {
  listSettlements,
  readSettlement,
  SettlementLineSchema,
  SettlementSchema,
  SettlementSummarySchema,
  settlementExists,
  settlementLinePage,
} from './settlement-view.js';

const RunSchema = z.strictObject({
  cycle: z.enum(SETTLEMENT_CYCLES),
  periodStart: z.iso.datetime({ offset: true }),
  periodEnd: z.iso.datetime({ offset: true }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .optional()
    .describe('the shop currency (CURRENCY) unless named'),
});

const MAX_PERIOD_MS = 92 * 86_400_000;

/** A cursor for `key|id` keys, with the time part checked. */
const timedCursor = (cursor: string) => {
  const key = decodeCursor(cursor, (candidate) => {
    const [at, id] = candidate.split('|');
    return Boolean(at && id && !Number.isNaN(Date.parse(at)));
  });
  if (key === undefined) return undefined;
  const [at, id] = key.split('|') as [string, string];
  return { at: new Date(at), id };
};

const Cursor = z
  .string()
  .max(300)
  .transform((cursor, ctx) => {
    const decoded = timedCursor(cursor);
    if (!decoded) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page of this listing' });
      return z.NEVER;
    }
    return decoded;
  });

/** `POST /v1/settlements/runs`, `GET /v1/settlements`, `GET /v1/settlements/:id` and its lines. */
export const settlementRoutes: FastifyPluginAsyncZod<{
  db: Database;
  temporal: Client;
  config: Config;
  auth: Auth;
}> = async (app, { db, temporal, config, auth }) => {
  app.post(
    '/v1/settlements/runs',
    {
      onRequest: auth.require('admin'),
      schema: {
        tags: ['settlements'],
        summary: 'Settle a period now',
        description:
          'Starts the settlement of a period that has ended: reconciliation against the provider’s statement, fees, payout. The same cycle, period and currency is always the same settlement (the same id): asking again never counts twice.',
        body: RunSchema,
        response: { 202: z.object({ id: z.string(), status: z.enum(SETTLEMENT_STATUSES) }), 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { cycle, periodStart, periodEnd } = request.body;
      const start = Date.parse(periodStart);
      const end = Date.parse(periodEnd);
      const issues = [
        ...(end <= start ? [{ path: 'periodEnd', message: 'must be after periodStart' }] : []),
        ...(end > Date.now() ? [{ path: 'periodEnd', message: 'the period has not ended yet' }] : []),
        ...(end - start > MAX_PERIOD_MS ? [{ path: 'periodEnd', message: 'a period is at most 92 days' }] : []),
      ];
      if (issues.length) throw new Problem(422, 'invalid-period', 'Invalid settlement period', undefined, issues);
      const period: SettlementPeriod = {
        cycle,
        periodStart: new Date(start).toISOString(),
        periodEnd: new Date(end).toISOString(),
        currency: request.body.currency ?? config.currency,
      };
      const id = settlementId(period);
      try {
        await temporal.workflow.start(settlementWorkflow, {
          workflowId: id,
          taskQueue: config.temporal.taskQueue,
          args: [{ period, requestedBy: callerOf(request).name, fees: config.settlement.fees }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        // Running, or already run: the same settlement, and nothing counts twice.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      const settled = await readSettlement(db, id);
      return reply.status(202).send({ id, status: settled?.status ?? 'running' });
    },
  );

  app.get(
    '/v1/settlements',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['settlements'],
        summary: 'List settlements',
        description: 'Newest period first. Follow `nextCursor` until it is null.',
        querystring: z.strictObject({
          cycle: z.enum(SETTLEMENT_CYCLES).optional(),
          status: z.enum(SETTLEMENT_STATUSES).optional(),
          flagged: z
            .enum(['true', 'false'])
            .transform((value) => value === 'true')
            .optional()
            .describe('true: only settlements with discrepancies; false: only clean ones'),
          limit: PageLimit,
          cursor: Cursor.optional(),
        }),
        response: {
          200: z.object({ items: z.array(SettlementSummarySchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const { cursor, ...query } = request.query;
      const page = await listSettlements(db, {
        ...query,
        ...(cursor ? { after: { start: cursor.at, id: cursor.id } } : {}),
      });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/v1/settlements/:id',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['settlements'],
        summary: 'One settlement: totals, lines, discrepancies and payout',
        params: z.strictObject({ id: z.string().max(200) }),
        response: { 200: SettlementSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const settlement = await readSettlement(db, request.params.id);
      if (!settlement) throw new Problem(404, 'not-found', 'Settlement not found');
      return settlement;
    },
  );

  app.get(
    '/v1/settlements/:id/lines',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['settlements'],
        summary: 'A settlement’s lines, oldest first',
        params: z.strictObject({ id: z.string().max(200) }),
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1000).default(1000),
          cursor: Cursor.optional(),
        }),
        response: {
          200: z.object({ items: z.array(SettlementLineSchema), nextCursor: z.string().nullable() }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, cursor } = request.query;
      if (!(await settlementExists(db, id))) throw new Problem(404, 'not-found', 'Settlement not found');
      const page = await settlementLinePage(
        db,
        id,
        limit,
        cursor ? { at: cursor.at, transactionId: cursor.id } : undefined,
      );
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );
};
