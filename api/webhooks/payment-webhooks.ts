import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import { deliverPaymentEvent } from './deliveries.js';
import { acceptSignedJson, recordUnmatched, requireSignature, WebhookAcceptedSchema } from './signed-json.js';
import { PaymentWebhookSchema } from './webhook-schemas.js';

/** `POST /v1/webhooks/payments`: signed provider events, recorded once and signalled to the order (refunded when it has ended, kept as `unknown_order` when it names none). */
export const paymentWebhookRoutes: FastifyPluginAsyncZod<{
  db: Database;
  temporal: Client;
  secret: string;
  taskQueue: string;
}> = async (app, { db, temporal, secret, taskQueue }) => {
  acceptSignedJson(app);

  app.post(
    '/v1/webhooks/payments',
    {
      preValidation: requireSignature(secret, 'provider'),
      schema: {
        tags: ['webhooks'],
        summary: 'Payment provider events (signed)',
        body: PaymentWebhookSchema,
        response: { 202: WebhookAcceptedSchema },
      },
    },
    async (request, reply) => {
      const event = request.body;
      const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, event.orderId));
      // Money that names no order of ours still arrived: keep it (once), and leave it to settlement to trace and return.
      if (!order)
        return reply
          .status(202)
          .send(await recordUnmatched(db, { source: 'payments', eventId: event.id, orderId: null, payload: event }));

      const accepted = await deliverPaymentEvent({ db, temporal, taskQueue }, order.id, event);
      return reply.status(202).send(accepted);
    },
  );
};
