import { patched } from '@temporalio/workflow';
import type { EditSettlement, ExtraPayment, PaymentEvent } from './messages.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';

// The order's money: payments as they come, refunds, and settling a changed total.

/** Handles every payment that arrived and is not handled yet. */
export async function drainPayments(run: OrderRun) {
  const { paymentInbox } = run;
  while (paymentInbox.length > 0) await handlePayment(run, paymentInbox.shift()!);
}

/** Sends money back to the customer on one intent (the order's first unless named) and keeps the order's own account of it. */
async function refund(
  run: OrderRun,
  amount: number,
  currency: string,
  reason: string,
  idempotencyKey: string,
  intentId = run.state.payment.intentId!,
) {
  const { orderId, state } = run;
  await activities.refundPayment({ orderId, intentId, amount, currency, reason, idempotencyKey });
  state.payment.amountRefunded += amount;
}

/** Refunds captured money, newest extra payments first, then the order's first payment. */
export async function giveBack(run: OrderRun, amount: number, reason: string, idempotencyKey: string) {
  const { state } = run;
  let left = amount;
  for (const extra of [...state.payment.extras].reverse()) {
    const take = extra.status === 'captured' ? Math.min(left, extra.amount - extra.refunded) : 0;
    if (take === 0) continue;
    await refund(run, take, state.pricing.currency, reason, `${idempotencyKey}:${extra.intentId}`, extra.intentId);
    extra.refunded += take;
    left -= take;
  }
  if (left > 0) await refund(run, left, state.pricing.currency, reason, idempotencyKey);
}

/** Takes one provider event: counts a capture once, refunds money the order must not keep, flags the odd ones. */
export async function handlePayment(run: OrderRun, event: PaymentEvent): Promise<void> {
  const { orderId, state, record } = run;
  const detail = paymentDetail(event);
  if (event.type === 'payment.succeeded') {
    // The same capture told twice is one payment: nothing to refund, nothing to count again.
    if (run.capturedTransactions.has(event.transactionId) && patched('capture-deduped-by-transaction')) {
      await record('note', 'payment_reported_again', state.status, {
        reason: 'the provider reported a capture already counted',
        detail,
      });
      return;
    }
    run.capturedTransactions.add(event.transactionId);
  }
  const extra = state.payment.extras.find((candidate) => candidate.intentId === event.paymentIntentId);
  if (event.paymentIntentId !== state.payment.intentId && !extra) {
    await record('flag', 'payment_for_unknown_intent', state.status, {
      detail: { ...detail, paymentIntentId: event.paymentIntentId },
    });
    return;
  }
  await activities.recordPaymentEvent({ orderId, ...event });
  if (event.type === 'payment.failed') {
    if (!extra && state.payment.status !== 'captured') state.payment.status = 'failed';
    await record('note', 'payment_failed', state.status, { reason: event.failureReason ?? 'declined', detail });
    return;
  }
  if (event.type === 'chargeback.created') {
    await record('flag', 'chargeback', state.status, { reason: 'the customer disputed the payment', detail });
    return;
  }
  if (event.type !== 'payment.succeeded') {
    await record('note', event.type.replace('.', '_'), state.status, { detail });
    return;
  }
  if (extra) return captureExtraPayment(run, extra, event);
  if (
    state.payment.status === 'captured' ||
    event.amount < state.pricing.total ||
    event.currency !== state.pricing.currency
  ) {
    // Money we must not keep: a second payment, or one that does not cover the order. Send it back whole.
    const flag = state.payment.status === 'captured' ? 'duplicate_payment' : 'payment_amount_mismatch';
    state.payment.amountPaid += event.amount;
    await refund(
      run,
      event.amount,
      event.currency,
      `${flag}: ${event.transactionId}`,
      `${orderId}:refund:${event.transactionId}`,
    );
    await record('flag', flag, state.status, {
      reason: `refunded ${event.amount} ${event.currency}`,
      detail: { ...detail, expected: state.pricing.total },
    });
    return;
  }
  if (event.amount > state.pricing.total) {
    await refund(
      run,
      event.amount - state.pricing.total,
      event.currency,
      `overpayment: ${event.transactionId}`,
      `${orderId}:refund:${event.transactionId}`,
    );
    await record('flag', 'payment_amount_mismatch', state.status, {
      reason: `refunded the surplus of ${event.amount - state.pricing.total}`,
      detail: { ...detail, expected: state.pricing.total },
    });
  }
  state.payment.status = 'captured';
  state.payment.amountPaid += event.amount;
  await record('milestone', 'payment_captured', state.status, { detail });
}

/** An extra payment after an edit: the exact amount closes it; anything short or repeated goes back whole, a surplus goes back. */
async function captureExtraPayment(run: OrderRun, extra: ExtraPayment, event: PaymentEvent): Promise<void> {
  const { orderId, state, record } = run;
  const detail = { ...paymentDetail(event), intentId: extra.intentId };
  state.payment.amountPaid += event.amount;
  if (extra.status === 'captured' || event.amount < extra.amount || event.currency !== state.pricing.currency) {
    const flag = extra.status === 'captured' ? 'duplicate_payment' : 'payment_amount_mismatch';
    await refund(
      run,
      event.amount,
      event.currency,
      `${flag}: ${event.transactionId}`,
      `${orderId}:refund:${event.transactionId}`,
      extra.intentId,
    );
    await record('flag', flag, state.status, {
      reason: `refunded ${event.amount} ${event.currency}`,
      detail: { ...detail, expected: extra.amount },
    });
    return;
  }
  if (event.amount > extra.amount) {
    await refund(
      run,
      event.amount - extra.amount,
      event.currency,
      `overpayment: ${event.transactionId}`,
      `${orderId}:refund:${event.transactionId}`,
      extra.intentId,
    );
    await record('flag', 'payment_amount_mismatch', state.status, {
      reason: `refunded the surplus of ${event.amount - extra.amount}`,
      detail: { ...detail, expected: extra.amount },
    });
  }
  extra.status = 'captured';
  await record('note', 'extra_payment_captured', state.status, { detail });
}

/** Settles a new total: an unpaid intent asks for it, money we hold beyond it goes back, a shortfall gets its own payment request. */
export async function settleDifference(run: OrderRun): Promise<EditSettlement> {
  const { orderId, state, input } = run;
  const { policy } = input;
  const { total, currency } = state.pricing;
  if (state.payment.status !== 'captured') {
    if (state.payment.intentId)
      await activities.amendPaymentIntent({ intentId: state.payment.intentId, amount: total, currency });
    return { kind: 'amount_due_changed', amountDue: total };
  }
  const held = state.payment.amountPaid - state.payment.amountRefunded;
  if (held > total) {
    await giveBack(
      run,
      held - total,
      `order edited (revision ${state.revision})`,
      `${orderId}:refund:edit:${state.revision}`,
    );
    return { kind: 'refunded', amount: held - total };
  }
  if (held === total) return { kind: 'none' };
  const amount = total - held;
  const { intentId } = await activities.createPaymentIntent({
    orderId,
    amount,
    currency,
    method: input.paymentMethod,
    reference: `edit-${state.revision}`,
  });
  const deadline = new Date(Date.now() + policy.paymentTimeoutMs).toISOString();
  state.payment.extras.push({ intentId, amount, deadline, status: 'pending', refunded: 0 });
  return { kind: 'extra_payment_requested', amount, intentId, deadline };
}

/** What the timeline keeps of a provider event. */
function paymentDetail({ eventId, transactionId, amount, currency }: PaymentEvent) {
  return { eventId, transactionId, amount, currency };
}
