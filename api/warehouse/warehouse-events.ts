import type { Client } from '@temporalio/client';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orders, warehouseEvents, warehouses } from '../../db/schema.js';
import { warehouseScanSignal, type WarehouseScan } from '../../workflows/messages.js';
import { callerOf, type Auth } from '../auth.js';
import { ORDER_ID } from '../orders/order-id.js';
import { Problem, ProblemSchema } from '../problems.js';
import { tellOrder } from '../tell-order.js';

/** Body of `POST /v1/warehouse-events`: a scanner's pick or pack scan of an order. */
export const WarehouseEventSchema = z.strictObject({
  id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits and _ . : -, 1 to 200')
    .describe("The scanner's event id: a repeat is the same scan"),
  orderId: z.string().regex(ORDER_ID, 'must be an order id such as ord_01J…'),
  type: z.enum(['picked', 'packed']),
  warehouseId: z.string().trim().min(1).max(64).optional(),
  device: z.string().trim().min(1).max(200).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});

type WarehouseEventRow = typeof warehouseEvents.$inferSelect;

/** What recording and delivering a scan needs. */
export interface ScanDeps {
  db: Database;
  temporal: Client;
  onRefused?: (error: unknown) => void;
}

/** The workflow's message for a recorded scan. */
const scanOf = (row: WarehouseEventRow): WarehouseScan => ({
  eventId: row.id,
  type: row.type,
  ...(row.warehouseId === null ? {} : { warehouseId: row.warehouseId }),
  ...(row.device === null ? {} : { device: row.device }),
  occurredAt: row.occurredAt.toISOString(),
});

/** Tells the order about a recorded scan; marks it delivered unless Temporal refused. */
export async function deliverWarehouseEvent(deps: ScanDeps, row: WarehouseEventRow): Promise<boolean> {
  const told = await tellOrder(deps.temporal, row.orderId, warehouseScanSignal, [scanOf(row)], deps.onRefused);
  if (told)
    await deps.db
      .update(warehouseEvents)
      .set({ deliveredAt: new Date() })
      .where(and(eq(warehouseEvents.id, row.id), isNull(warehouseEvents.deliveredAt)));
  return told;
}

/** Records a scan once (its id is the key) and tells the order; a repeat changes nothing. */
async function recordWarehouseEvent(
  deps: ScanDeps,
  scan: z.infer<typeof WarehouseEventSchema>,
  reportedBy: string,
): Promise<{ id: string; duplicate: boolean }> {
  const { db } = deps;
  const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, scan.orderId));
  if (!order) throw new Problem(404, 'order-not-found', 'Order not found', `There is no order ${scan.orderId}.`);
  const repeat = async () => {
    const [earlier] = await db.select().from(warehouseEvents).where(eq(warehouseEvents.id, scan.id));
    if (earlier && earlier.orderId !== order.id)
      throw new Problem(409, 'event-id-taken', 'The event id is already used', `Event ${scan.id} is another order's.`);
    return earlier ? { id: scan.id, duplicate: true } : undefined;
  };
  const earlier = await repeat();
  if (earlier) return earlier;
  if (scan.warehouseId) {
    const [warehouse] = await db
      .select({ id: warehouses.id })
      .from(warehouses)
      .where(eq(warehouses.id, scan.warehouseId));
    if (!warehouse)
      throw new Problem(422, 'unknown-warehouse', 'Unknown warehouse', undefined, [
        { path: 'warehouseId', message: 'is not a warehouse' },
      ]);
  }
  const [row] = await db
    .insert(warehouseEvents)
    .values({
      id: scan.id,
      orderId: order.id,
      type: scan.type,
      warehouseId: scan.warehouseId ?? null,
      device: scan.device ?? null,
      occurredAt: new Date(scan.occurredAt),
      reportedBy,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return (await repeat())!;
  await deliverWarehouseEvent(deps, row);
  return { id: row.id, duplicate: false };
}

/** Warehouse scanners report pick and pack scans per order (any service key: a fact from another system). */
export const warehouseEventRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.post(
    '/v1/warehouse-events',
    {
      onRequest: auth.require('service'),
      schema: {
        tags: ['warehouse'],
        summary: "Report a scanner's pick or pack scan of an order",
        description:
          'The event id makes it idempotent: a repeat answers `duplicate: true` and changes nothing. Any service key may report for any order. The order is told at once, or by the API sweep when the workflow service is away.',
        body: WarehouseEventSchema,
        response: {
          202: z.object({ id: z.string(), duplicate: z.boolean() }),
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const deps = { db, temporal, onRefused: (err: unknown) => request.log.warn({ err }, 'warehouse event owed') };
      return reply.status(202).send(await recordWarehouseEvent(deps, request.body, callerOf(request).name));
    },
  );
};
