import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { STOCK_POLICY, STOCK_RISKS } from '../../domain/stock-health.js';
import type { Auth } from '../auth.js';
import { Problem, ProblemSchema } from '../problems.js';
import {
  DEFAULT_WINDOW_DAYS,
  demandWindow,
  InventoryHealthFilterSchema,
  readInventoryHealth,
} from './inventory-health.js';

const Units = z.number().int().nonnegative();
const { safetyDays, reviewDays, overstockDays, leadTimeWithoutSupplierDays } = STOCK_POLICY;

/** The answer of `GET /v1/analytics/inventory`. */
export const InventoryHealthSchema = z.strictObject({
  from: z.iso.datetime().describe('Start of the demand window (inclusive)'),
  to: z.iso.datetime().describe('End of the demand window (exclusive)'),
  windowDays: z.number().positive().describe('The window in days, fractions included: daily demand is per day of it'),
  policy: z
    .strictObject({
      safetyDays: z.number(),
      reviewDays: z.number(),
      overstockDays: z.number(),
      leadTimeWithoutSupplierDays: z.number(),
    })
    .describe('The reordering policy in days of demand'),
  items: z
    .array(
      z.strictObject({
        sku: z.string(),
        name: z.string(),
        category: z.string(),
        supplierId: z.string().nullable().describe('Who restocks it; null when nobody is assigned yet'),
        available: Units.describe('What a regular order can take now (urgent reserve excluded)'),
        onHand: Units.describe('On hand in every warehouse, reserved or not'),
        unitsOrdered: Units.describe('Units ordered in the window (see the description for which orders count)'),
        dailyDemand: z.number().nonnegative().describe('unitsOrdered ÷ window days, rounded to 2 decimals'),
        leadTimeDays: Units.describe(
          `The supplier's lead time; ${leadTimeWithoutSupplierDays} days when the product has no supplier`,
        ),
        reorderPoint: Units.describe(`⌈daily demand × (lead time + ${safetyDays} safety days)⌉`),
        suggestedQuantity: Units.describe(
          `max(0, ⌈daily demand × (lead time + ${reviewDays} review days + ${safetyDays} safety days)⌉ − available)`,
        ),
        risk: z
          .enum(STOCK_RISKS)
          .describe(
            `stockout: available < daily demand × lead time; overstock: available > daily demand × ${overstockDays}, or stock with no demand; else ok`,
          ),
      }),
    )
    .describe('Stockouts first, then overstock, then ok; by SKU within each'),
});

/** Stock health: demand per SKU from orders, reorder point and suggested quantity, and the SKUs at risk. */
export const inventoryHealthRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/analytics/inventory',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'Demand, reorder point, suggested quantity and stock-out or overstock risk per stocked SKU',
        description: `Every active stocked (not made-to-order) product, or those of \`category\` or at \`risk\`. Demand is the units on the lines of orders placed in [\`from\`, \`to\`) (default the last ${DEFAULT_WINDOW_DAYS} days up to now) of the given type and channel, except orders that were cancelled or failed without a captured payment. Daily demand is per day of the window.`,
        querystring: InventoryHealthFilterSchema,
        response: { 200: InventoryHealthSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const window = demandWindow(request.query, new Date());
      if (window.from >= window.to)
        throw new Problem(400, 'validation-error', 'Invalid request', 'The request querystring has 1 invalid field.', [
          { path: 'from', message: 'must be before now when to is not given' },
        ]);
      return { ...(await readInventoryHealth(db, request.query, window)), policy: STOCK_POLICY };
    },
  );
};
