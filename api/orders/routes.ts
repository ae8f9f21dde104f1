import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { orderEvents, supportRequests } from '../../db/schema.js';
import { PlaceOrderSchema } from '../../domain/order-schema.js';
import { callerOf, type Auth } from '../auth.js';
import { IdempotencyHeaders } from '../idempotency.js';
import { orderNotFound, visibleOrder } from './order-access.js';
import { OrderParams } from './order-id.js';
import { Problem, ProblemSchema } from '../problems.js';
import { OrderResourceSchema, SupportRequestSchema, TimelineEntrySchema } from './order-resource.js';
import { readOrder } from './order-view.js';
import { placeOrder, type PlacementDeps } from './place-order.js';

/** Placing and reading orders. */
export const orderRoutes: FastifyPluginAsyncZod<PlacementDeps & { auth: Auth }> = async (app, deps) => {
  const { db, auth } = deps;

  app.post(
    '/v1/orders',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        description:
          'Validates strictly, prices on the server and starts the order workflow. Same Idempotency-Key and body: the same order (200). ' +
          '`externalId` is required for marketplace orders; a SKU appears on one line only unless its lines carry customizations (400 otherwise). ' +
          '202: the order is recorded but its workflow could not be started yet (Temporal did not answer); it starts on a repeated request or by itself within a minute, and is never lost or doubled. ' +
          'The order belongs to the calling key: a service key sees only its own orders. Member discounts and points need `customer.id` with the e-mail on file; an order with only an e-mail is priced as a guest.',
        headers: IdempotencyHeaders,
        body: PlaceOrderSchema,
        response: {
          200: OrderResourceSchema,
          201: OrderResourceSchema,
          202: OrderResourceSchema,
          400: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
          429: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await placeOrder(deps, request.body, request.headers['idempotency-key'], callerOf(request));
      const order = await readOrder(db, result.orderId, callerOf(request));
      if (!order) throw new Problem(404, 'not-found', 'Not found', `Order ${result.orderId} disappeared`);
      return reply
        .status(!result.started ? 202 : result.created ? 201 : 200)
        .header('location', `/v1/orders/${order.id}`)
        .send(order);
    },
  );

  app.get(
    '/v1/orders/:id',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['orders'],
        summary: 'Read an order',
        params: OrderParams,
        response: { 200: OrderResourceSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      await visibleOrder(db, callerOf(request), request.params.id);
      const order = await readOrder(db, request.params.id, callerOf(request));
      if (!order) throw orderNotFound(request.params.id);
      return order;
    },
  );

  app.get(
    '/v1/orders/:id/timeline',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['orders'],
        summary: "An order's timeline: milestones, notes and flags, and every support request with its answer",
        params: OrderParams,
        response: {
          200: z.object({
            orderId: z.string(),
            entries: z.array(TimelineEntrySchema),
            requests: z.array(SupportRequestSchema),
          }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const order = await visibleOrder(db, callerOf(request), request.params.id);
      const [entries, requests] = await Promise.all([
        db.select().from(orderEvents).where(eq(orderEvents.orderId, order.id)).orderBy(asc(orderEvents.seq)),
        db.select().from(supportRequests).where(eq(supportRequests.orderId, order.id)).orderBy(asc(supportRequests.id)),
      ]);
      return {
        orderId: order.id,
        entries: entries.map((e) => ({
          seq: e.seq,
          kind: e.kind,
          name: e.name,
          status: e.status,
          actor: e.actor,
          reason: e.reason,
          detail: e.detail,
          at: e.at.toISOString(),
        })),
        requests: requests.map((r) => ({
          action: r.action,
          actor: r.actor,
          requestedBy: r.requestedBy,
          reason: r.reason,
          status: r.status,
          outcome: r.outcome,
          answer: r.answer,
          at: r.at.toISOString(),
        })),
      };
    },
  );
};
