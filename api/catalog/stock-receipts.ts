import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orderLines, orders, products, stockLots, warehouses } from '../../db/schema.js';
import { stockReplenishedSignal } from '../../workflows/messages.js';
import type { Auth } from '../auth.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { Problem, ProblemSchema } from '../problems.js';

/** Body of `POST /v1/inventory/receipts`: a delivery of stock into a warehouse. */
export const StockReceiptSchema = z.strictObject({
  sku: z.string().trim().min(1),
  warehouseId: z.string().trim().min(1),
  quantity: z.number().int().min(1).max(1_000_000),
  lotCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{3,80}$/, 'letters, digits and dashes, 3 to 80'),
});

/** Stock receipts: a new lot, and every back-ordered order for that SKU is woken to retry. Inventory or admin keys only. */
export const stockReceiptRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.post(
    '/v1/inventory/receipts',
    {
      onRequest: auth.require('inventory'),
      schema: {
        tags: ['inventory'],
        summary: 'Receive stock as a new lot; orders waiting for it are told',
        description:
          'The lot code makes a receipt idempotent: the same lot again records nothing new. Needs an `inventory` (or admin) key.',
        body: StockReceiptSchema,
        response: {
          201: z.object({ lotCode: z.string(), created: z.boolean(), ordersNotified: z.array(z.string()) }),
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { sku, warehouseId, quantity, lotCode } = request.body;
      const [product] = await db.select({ category: products.category }).from(products).where(eq(products.sku, sku));
      const [warehouse] = await db
        .select({ categories: warehouses.categories })
        .from(warehouses)
        .where(eq(warehouses.id, warehouseId));
      if (!product || !warehouse) {
        throw new Problem(422, 'unknown-stock-location', 'Unknown product or warehouse', undefined, [
          ...(!product ? [{ path: 'sku', message: 'is not in the catalog' }] : []),
          ...(!warehouse ? [{ path: 'warehouseId', message: 'is not a warehouse' }] : []),
        ]);
      }
      // Stock a warehouse may not ship could never be sold: refuse it at the door instead.
      if (!warehouse.categories.includes(product.category)) {
        throw new Problem(
          422,
          'warehouse-does-not-ship-category',
          'The warehouse does not ship this product',
          undefined,
          [
            {
              path: 'warehouseId',
              message: `does not ship ${product.category}: it ships ${warehouse.categories.join(', ')}`,
            },
          ],
        );
      }
      const inserted = await db
        .insert(stockLots)
        .values({ sku, warehouseId, lotCode, receivedAt: new Date(), onHand: quantity })
        .onConflictDoNothing({ target: stockLots.lotCode })
        .returning({ sku: stockLots.sku });
      if (inserted.length === 0) {
        const [existing] = await db.select().from(stockLots).where(eq(stockLots.lotCode, lotCode));
        if (existing && (existing.sku !== sku || existing.warehouseId !== warehouseId))
          throw new Problem(
            409,
            'lot-code-taken',
            'Lot code already used',
            `Lot ${lotCode} holds ${existing.sku} in ${existing.warehouseId}.`,
          );
      }
      const waiting = await db
        .selectDistinct({ id: orders.id })
        .from(orders)
        .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
        .where(and(eq(orders.status, 'awaiting_shortage_decision'), eq(orderLines.sku, sku)));
      const notified: string[] = [];
      for (const { id } of waiting) {
        try {
          await temporal.workflow.getHandle(orderWorkflowId(id)).signal(stockReplenishedSignal, { skus: [sku] });
          notified.push(id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return reply.status(201).send({ lotCode, created: inserted.length > 0, ordersNotified: notified });
    },
  );
};
