import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { AddressSchema, OrderLineRequestSchema, OrderLinesSchema } from '../../domain/order-schema.js';
import { editOrderUpdate, resolveShortageUpdate, SHORTAGE_DECISIONS } from '../../workflows/messages.js';
import { callerOf, type Auth } from '../auth.js';
import { IdempotencyHeaders } from '../idempotency.js';
import { ProblemSchema } from '../problems.js';
import { askOrder } from './ask-order.js';
import { OrderParams } from './order-id.js';

const Actor = z.string().trim().min(1).max(200);
const Money = z.number().int().describe('minor units');

/** Body of `PATCH /v1/orders/:id`: a new shipping address, new lines, or both. */
export const EditOrderSchema = z
  .strictObject({
    requestedBy: Actor,
    reason: z.string().trim().min(1).max(500).optional(),
    shippingAddress: AddressSchema.optional(),
    lines: OrderLinesSchema.optional(),
  })
  .refine((body) => body.shippingAddress || body.lines, {
    message: 'give shippingAddress, lines or both',
    path: ['lines'],
  });

const SettlementSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('amount_due_changed'), amountDue: Money }),
  z.object({ kind: z.literal('refunded'), amount: Money }),
  z.object({ kind: z.literal('extra_payment_requested'), amount: Money, intentId: z.string(), deadline: z.string() }),
]);

/** Body of `POST /v1/orders/:id/shortage-resolution`. */
export const ShortageResolutionSchema = z
  .strictObject({
    decision: z.enum(SHORTAGE_DECISIONS),
    requestedBy: Actor,
    substitutes: z
      .array(
        z.strictObject({
          sku: OrderLineRequestSchema.shape.sku,
          substituteSku: OrderLineRequestSchema.shape.sku,
          quantity: OrderLineRequestSchema.shape.quantity.optional(),
        }),
      )
      .min(1)
      .max(100)
      .optional(),
  })
  .refine((body) => (body.decision === 'substitute') === (body.substitutes !== undefined), {
    message: 'required with the substitute decision, and only with it',
    path: ['substitutes'],
  });

/** Changes to a running order: edits and shortage decisions, each answered by the order's workflow. */
export const orderChangeRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.patch(
    '/v1/orders/:id',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['orders'],
        summary: 'Edit an order: the shipping address until it ships, the lines until it is confirmed',
        description:
          'New lines are priced with the catalog, reserved and the difference settled: before payment the amount due changes; after payment a lower total is refunded and a higher one gets an extra payment request with its own deadline. Give shippingAddress, lines or both (400 otherwise). Refusals are 409 with the reason.',
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: EditOrderSchema,
        response: {
          200: z.object({
            orderId: z.string(),
            status: z.string(),
            revision: z.number().int(),
            changed: z.array(z.enum(['shipping_address', 'lines'])),
            previousTotal: Money,
            total: Money,
            settlement: SettlementSchema,
          }),
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const orderId = request.params.id;
      const caller = callerOf(request);
      const { requestedBy, ...change } = request.body;
      const result = await askOrder(
        { db, temporal },
        {
          orderId,
          action: 'edit',
          caller,
          requestedBy,
          reason: change.reason,
          update: editOrderUpdate,
          arg: { actor: caller.name, ...change },
          headers: request.headers,
        },
      );
      return { orderId, ...result };
    },
  );

  app.post(
    '/v1/orders/:id/shortage-resolution',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['orders'],
        summary:
          'Decide for an order stock cannot cover: ship part (back-order the rest), substitute, wait for restock, or cancel',
        description:
          '`substitutes` is required with the substitute decision, and only with it (400 otherwise). Refusals are 409 with the reason.',
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: ShortageResolutionSchema,
        response: {
          200: z.object({
            orderId: z.string(),
            decision: z.enum(SHORTAGE_DECISIONS),
            total: Money.optional(),
            backorderId: z.string().nullable().optional(),
          }),
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const orderId = request.params.id;
      const caller = callerOf(request);
      const { requestedBy, ...decision } = request.body;
      const result = await askOrder(
        { db, temporal },
        {
          orderId,
          action: 'resolve_shortage',
          caller,
          requestedBy,
          reason: decision.decision,
          update: resolveShortageUpdate,
          arg: { actor: caller.name, ...decision },
          headers: request.headers,
        },
      );
      return { orderId, ...result };
    },
  );
};
