import { and, eq, isNull } from 'drizzle-orm';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orders, webhookEvents } from '../../db/schema.js';
import { isValidWebhookSignature } from '../../ports/webhook-signature.js';
import { paymentEventSignal } from '../../workflows/order.js';
import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../orders/place-order.js';
import { Problem } from '../problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks. */
    rawBody?: string;
  }
}

/** The payment provider's webhook body. */
export const PaymentWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['payment.succeeded', 'payment.failed', 'refund.succeeded', 'chargeback.created']),
  orderId: z.string().min(1).max(100),
  paymentIntentId: z.string().min(1).max(200),
  transactionId: z.string().min(1).max(200),
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  occurredAt: z.iso.datetime({ offset: true }),
  failureReason: z.string().max(500).optional(),
});

const Accepted = z.object({ received: z.literal(true), duplicate: z.boolean(), outcome: z.string() });

/** `POST /v1/webhooks/payments`: signed provider events, recorded once and signalled to the order. */
export const paymentWebhookRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; secret: string }> = async (app, { db, temporal, secret }) => {
  // Signatures cover the exact bytes sent, so keep the raw body beside the parsed one.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new Problem(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.'), undefined);
    }
  });

  app.post('/v1/webhooks/payments', {
    preValidation: async (request) => {
      if (!isValidWebhookSignature(request.rawBody ?? '', request.headers['x-signature'] as string | undefined, secret)) {
        throw new Problem(401, 'bad-signature', 'Bad signature', 'X-Signature must be sha256=<hex HMAC-SHA256 of the raw body> with the provider secret.');
      }
    },
    schema: { tags: ['webhooks'], summary: 'Payment provider events (signed)', body: PaymentWebhookSchema, response: { 202: Accepted } },
  }, async (request, reply) => {
    const event = request.body;
    const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, event.orderId));
    if (!order) throw new Problem(404, 'order-not-found', 'Order not found', `There is no order ${event.orderId}.`);

    const inserted = await db.insert(webhookEvents).values({ source: 'payments', eventId: event.id, orderId: order.id, payload: event }).onConflictDoNothing().returning();
    if (inserted.length === 0) {
      const [earlier] = await db.select().from(webhookEvents).where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, event.id)));
      // Delivered before: no second effect. Not delivered (we failed mid-way): deliver now.
      if (earlier?.deliveredAt) return reply.status(202).send({ received: true, duplicate: true, outcome: earlier.outcome ?? 'delivered' });
    }

    let outcome = 'delivered';
    try {
      await temporal.workflow.getHandle(orderWorkflowId(order.id)).signal(paymentEventSignal, {
        eventId: event.id,
        type: event.type,
        paymentIntentId: event.paymentIntentId,
        transactionId: event.transactionId,
        amount: event.amount,
        currency: event.currency,
        occurredAt: event.occurredAt,
        failureReason: event.failureReason,
      });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // The order's workflow has ended; keep the event for reconciliation instead of losing it.
      outcome = 'order_closed';
    }
    await db
      .update(webhookEvents)
      .set({ deliveredAt: new Date(), outcome })
      .where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, event.id), isNull(webhookEvents.deliveredAt)));
    return reply.status(202).send({ received: true, duplicate: inserted.length === 0, outcome });
  });
};
