import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import { latePaymentWorkflow } from '../../workflows/late-payment.js';
import { paymentEventSignal, type PaymentEvent } from '../../workflows/messages.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { MAX_MONEY_MINOR } from '../../domain/money-limits.js';
import { acceptSignedJson, recordThenDeliver, recordUnmatched, requireSignature, WebhookAcceptedSchema } from './signed-json.js';

/** The payment provider's webhook body. */
export const PaymentWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['payment.succeeded', 'payment.failed', 'refund.succeeded', 'chargeback.created']),
  orderId: z.string().min(1).max(100),
  paymentIntentId: z.string().min(1).max(200),
  transactionId: z.string().min(1).max(200),
  amount: z.number().int().min(0).max(MAX_MONEY_MINOR, `must be at most ${MAX_MONEY_MINOR} minor units`),
  currency: z.string().regex(/^[A-Z]{3}$/),
  occurredAt: z.iso.datetime({ offset: true }),
  failureReason: z.string().max(500).optional(),
});

/** `POST /v1/webhooks/payments`: signed provider events, recorded once and signalled to the order (refunded when it has ended, kept as `unknown_order` when it names none). */
export const paymentWebhookRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; secret: string; taskQueue: string }> = async (app, { db, temporal, secret, taskQueue }) => {
  acceptSignedJson(app);

  app.post('/v1/webhooks/payments', {
    preValidation: requireSignature(secret, 'provider'),
    schema: { tags: ['webhooks'], summary: 'Payment provider events (signed)', body: PaymentWebhookSchema, response: { 202: WebhookAcceptedSchema } },
  }, async (request, reply) => {
    const event = request.body;
    const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, event.orderId));
    // Money that names no order of ours still arrived: keep it (once), and leave it to settlement to trace and return.
    if (!order) return reply.status(202).send(await recordUnmatched(db, { source: 'payments', eventId: event.id, orderId: null, payload: event }));

    const payment: PaymentEvent = {
      eventId: event.id,
      type: event.type,
      paymentIntentId: event.paymentIntentId,
      transactionId: event.transactionId,
      amount: event.amount,
      currency: event.currency,
      occurredAt: event.occurredAt,
      failureReason: event.failureReason,
    };
    // After the order ended, money is not kept and a dispute still reaches a person: a workflow of its own handles it.
    const handleAfterEnd = async () => {
      await temporal.workflow.start(latePaymentWorkflow, { workflowId: `late-payment-${event.id}`, taskQueue, args: [{ orderId: order.id, event: payment }], workflowIdConflictPolicy: 'USE_EXISTING' });
      return event.type === 'payment.succeeded' ? 'refunding_late_payment' : 'flagging_late_chargeback';
    };
    const accepted = await recordThenDeliver(
      db,
      { source: 'payments', eventId: event.id, orderId: order.id, payload: event },
      () => temporal.workflow.getHandle(orderWorkflowId(order.id)).signal(paymentEventSignal, payment),
      event.type === 'payment.succeeded' || event.type === 'chargeback.created' ? handleAfterEnd : undefined,
    );
    return reply.status(202).send(accepted);
  });
};
