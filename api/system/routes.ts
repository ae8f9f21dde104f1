import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';

const Check = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
});

async function probe(check: () => Promise<unknown>, timeoutMs = 2_000): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness and readiness: ready means Postgres and Temporal answer. */
export const systemRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; namespace: string }> = async (
  app,
  { db, temporal, namespace },
) => {
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: Postgres and Temporal reachable',
        response: { 200: Check, 503: Check },
      },
    },
    async (_request, reply) => {
      const [postgres, temporalCheck] = await Promise.all([
        probe(() => db.execute(sql`select 1`)),
        probe(() => temporal.workflowService.describeNamespace({ namespace })),
      ]);
      const ready = postgres === 'ok' && temporalCheck === 'ok';
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ok' : 'unavailable', checks: { postgres, temporal: temporalCheck } });
    },
  );
};
