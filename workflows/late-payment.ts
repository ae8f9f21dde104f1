import { patched } from '@temporalio/workflow';
import type { PaymentEvent } from './messages.js';
import { activities } from './order-activities.js';

/** A payment or chargeback that reached an order after its workflow ended, as the webhook received it. */
export interface LatePayment {
  orderId: string;
  event: PaymentEvent;
}

/**
 * Money that arrives once an order has ended (cancelled, completed, failed, returned) is money the
 * shop must not keep: it goes into the ledger, back to the customer whole, and onto the order's
 * timeline as a flag. A chargeback after the end is recorded and flags the order for a person.
 * One run per provider event (the workflow id carries the event id); a capture the ledger already
 * holds under another event is the same money reported twice, and is not refunded again.
 */
export async function latePaymentWorkflow({ orderId, event }: LatePayment): Promise<{ refunded: number }> {
  const { duplicateOf } = await activities.recordPaymentEvent({ orderId, ...event });
  const detail = {
    eventId: event.eventId,
    transactionId: event.transactionId,
    paymentIntentId: event.paymentIntentId,
    amount: event.amount,
    currency: event.currency,
  };
  // A capture the ledger already holds (the order counted it, or an earlier late event refunded it) is no new money.
  if (duplicateOf && event.type === 'payment.succeeded' && patched('late-payment-deduped-by-transaction'))
    return { refunded: 0 };
  if (event.type === 'chargeback.created') {
    await activities.flagEndedOrder({
      orderId,
      flag: 'chargeback',
      reason: 'the customer disputed the payment after the order ended',
      detail,
    });
    return { refunded: 0 };
  }
  await activities.refundPayment({
    orderId,
    intentId: event.paymentIntentId,
    amount: event.amount,
    currency: event.currency,
    reason: `late_payment: ${event.transactionId}`,
    idempotencyKey: `${orderId}:refund:${event.transactionId}`,
  });
  await activities.flagEndedOrder({
    orderId,
    flag: 'late_payment_refunded',
    reason: `refunded ${event.amount} ${event.currency} that arrived after the order ended`,
    detail,
  });
  return { refunded: event.amount };
}
