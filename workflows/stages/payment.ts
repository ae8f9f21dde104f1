import { cancelled, type Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import { awaitStage } from '../stage-wait.js';
import type { OrderRun } from '../order-run.js';

/** Asks the provider for the order's total and waits for the capture; none by the payment deadline cancels the order. */
export async function collectPayment(run: OrderRun): Promise<Ending | null> {
  const { orderId, state, input } = run;
  const { total, currency } = state.pricing;
  const intent = await activities.createPaymentIntent({
    orderId,
    amount: total,
    currency,
    method: input.paymentMethod,
  });
  const paymentDeadline = Date.now() + input.policy.paymentTimeoutMs;
  state.payment = {
    ...state.payment,
    intentId: intent.intentId,
    status: 'pending',
    deadline: new Date(paymentDeadline).toISOString(),
  };
  await run.record('milestone', 'stock_reserved', 'awaiting_payment', {
    detail: { allocations: state.allocations.length, paymentIntentId: intent.intentId },
  });
  const paid = await awaitStage(run, {
    waitingFor: `payment of ${total} ${currency} by ${state.payment.deadline}`,
    timer: 'payment deadline',
    until: paymentDeadline,
    done: () => state.payment.status === 'captured',
  });
  run.checkpoint();
  return paid ? null : cancelled('payment_timeout', { deadline: state.payment.deadline });
}
