import type { Client } from '@temporalio/client';
import { and, asc, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { webhookEvents } from '../../db/schema.js';
import { latePaymentWorkflow } from '../../workflows/late-payment.js';
import { paymentEventSignal, shipmentEventSignal, type PaymentEvent } from '../../workflows/messages.js';
import { latePaymentWorkflowId, orderWorkflowId } from '../../workflows/search-attributes.js';
import { startOwedWorkflow } from '../orders/order-workflow-start.js';
import { confirmRefund } from './refund-confirmations.js';
import { recordThenDeliver, type WebhookAccepted } from './signed-json.js';
import {
  CarrierWebhookSchema,
  PaymentWebhookSchema,
  type CarrierWebhook,
  type PaymentWebhook,
} from './webhook-schemas.js';

/** What delivering a webhook event to its order needs. */
export interface DeliveryDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
}

/**
 * Records a payment provider event for one of our orders and signals it to the order's workflow. After
 * the order has ended, money is not kept and a dispute still reaches a person: a workflow of its own
 * (one per provider event) refunds or flags it. A refund's confirmation reaches the ledger here, running
 * order or not (most refunds come from a cancellation, whose order has ended by then).
 */
export async function deliverPaymentEvent(
  deps: DeliveryDeps,
  orderId: string,
  event: PaymentWebhook,
): Promise<WebhookAccepted> {
  const { db, temporal, taskQueue } = deps;
  // An order whose workflow start is still owed has not ended: start it, so the payment is not taken for a late one.
  await startOwedWorkflow(deps, orderId);
  if (event.type === 'refund.succeeded') await confirmRefund(db, orderId, event);
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
  const handleAfterEnd = async () => {
    await temporal.workflow.start(latePaymentWorkflow, {
      workflowId: latePaymentWorkflowId(event.id),
      taskQueue,
      args: [{ orderId, event: payment }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return event.type === 'payment.succeeded' ? 'refunding_late_payment' : 'flagging_late_chargeback';
  };
  return recordThenDeliver(
    db,
    { source: 'payments', eventId: event.id, orderId, payload: event },
    () => temporal.workflow.getHandle(orderWorkflowId(orderId)).signal(paymentEventSignal, payment),
    event.type === 'payment.succeeded' || event.type === 'chargeback.created' ? handleAfterEnd : undefined,
  );
}

/** Records a carrier's tracking event for one of our shipments and signals it to the shipment's order. */
export async function deliverTrackingEvent(
  deps: DeliveryDeps,
  orderId: string,
  event: CarrierWebhook,
): Promise<WebhookAccepted> {
  const { db, temporal } = deps;
  await startOwedWorkflow(deps, orderId);
  return recordThenDeliver(db, { source: 'carriers', eventId: event.id, orderId, payload: event }, () =>
    temporal.workflow.getHandle(orderWorkflowId(orderId)).signal(shipmentEventSignal, {
      eventId: event.id,
      trackingNumber: event.trackingNumber,
      type: event.type,
      occurredAt: event.occurredAt,
      location: event.location,
      detail: event.detail,
    }),
  );
}

/**
 * One sweep over events recorded at least `olderThanMs` ago that never reached their order (the
 * signal failed, or the API stopped in between): each is delivered now, exactly as when it arrived.
 * A failure leaves it for the next sweep; the sender's own retries stay harmless (recorded once).
 */
export async function deliverOwedWebhooks(
  deps: DeliveryDeps,
  olderThanMs: number,
  limit = 100,
): Promise<{ delivered: string[]; failed: string[] }> {
  const owed = await deps.db
    .select()
    .from(webhookEvents)
    .where(
      and(
        isNull(webhookEvents.deliveredAt),
        isNotNull(webhookEvents.orderId),
        lt(webhookEvents.receivedAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.eventId))
    .limit(limit);
  const delivered: string[] = [];
  const failed: string[] = [];
  for (const event of owed) {
    try {
      if (event.source === 'payments')
        await deliverPaymentEvent(deps, event.orderId!, PaymentWebhookSchema.parse(event.payload));
      else if (event.source === 'carriers')
        await deliverTrackingEvent(deps, event.orderId!, CarrierWebhookSchema.parse(event.payload));
      else continue;
      delivered.push(event.eventId);
    } catch {
      failed.push(event.eventId);
    }
  }
  return { delivered, failed };
}
