import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/client.js';
import { callerOf, type Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import { listOrders } from './list-orders.js';
import { ListOrdersQuerySchema, OrderPageSchema } from './list-query.js';

/** Listing and filtering orders from the read model, newest first, with cursor pagination. */
export const orderListRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/orders',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['orders'],
        summary: 'List orders',
        description:
          'Newest first. Filters combine with AND; `createdTo` must be later than `createdFrom` (400 otherwise). Follow `nextCursor` until it is null to walk every matching order exactly once. A service key lists only the orders it placed. `flag` and `flagged` list orders by the flags on them (payment mismatches, duplicates, chargebacks, suspicious orders...) for support.',
        querystring: ListOrdersQuerySchema,
        response: { 200: OrderPageSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => listOrders(db, request.query, callerOf(request)),
  );
};
