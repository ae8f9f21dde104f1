import { patched } from '@temporalio/workflow';
import { suspiciousReasons } from '../../domain/risk.js';
import { cancelled, type Ending } from '../ending.js';
import type { ExtraPayment } from '../messages.js';
import { awaitStage } from '../stage-wait.js';
import type { OrderRun } from '../order-run.js';

/** Confirms the paid order: automatically on the lean path, by a person when its review asks for one. */
export async function confirm(run: OrderRun): Promise<Ending | null> {
  const { state } = run;
  if (state.review.required) {
    const ending = await confirmByPerson(run);
    if (ending) return ending;
  } else {
    await run.record('milestone', 'order_confirmed', 'confirmed', {
      reason: 'automatic confirmation: low risk, paid in full',
    });
  }
  run.waitFor(null);
  await run.notify('order_confirmed', { total: state.pricing.total, currency: state.pricing.currency });
  run.checkpoint();
  return null;
}

/** Waits for support's confirmation, then for any extra payment an edit asked for meanwhile; none in time cancels. */
async function confirmByPerson(run: OrderRun): Promise<Ending | null> {
  const { state, input } = run;
  const confirmationDeadline = Date.now() + input.policy.confirmationTimeoutMs;
  state.review.deadline = new Date(confirmationDeadline).toISOString();
  const reasons = state.review.reasons.join(', ');
  await run.record('milestone', 'confirmation_requested', 'awaiting_confirmation', { reason: reasons });
  await flagIfSuspicious(run);
  const confirmed = await awaitStage(run, {
    waitingFor: `manual confirmation (${reasons}) by ${state.review.deadline}`,
    timer: 'confirmation deadline',
    // An extra payment an edit asked for meanwhile has its own deadline, which may come first.
    until: () => Math.min(confirmationDeadline, ...extraDeadlinesWatched(run)),
    done: () => state.review.confirmedBy !== null,
  });
  if (!confirmed) {
    const overdue = state.payment.extras.find((extra) => extra.status === 'pending' && isPast(extra.deadline));
    return overdue && extraDeadlinesWatched(run).length > 0
      ? extraPaymentTimeout(overdue)
      : cancelled('confirmation_timeout', { deadline: state.review.deadline });
  }
  const unpaid = await awaitExtraPayments(run);
  if (unpaid) return unpaid;
  await run.record('milestone', 'order_confirmed', 'confirmed', {
    actor: state.review.confirmedBy!,
    reason: state.review.note ?? 'confirmed by a person after review',
  });
  return null;
}

/** Flags an order whose review suspects fraud, so staff look at it first; orders that reached review before did not. */
async function flagIfSuspicious(run: OrderRun): Promise<void> {
  const suspicious = suspiciousReasons(run.state.review);
  if (suspicious.length === 0 || !patched('suspicious-order-flag')) return;
  await run.record('flag', 'suspicious_order', run.state.status, {
    reason: suspicious.join(', '),
    detail: { reasons: suspicious, total: run.state.pricing.total, currency: run.state.pricing.currency },
  });
}

/** Waits for the extra payments edits asked for; one unpaid by its deadline cancels the order (and refunds it). */
export async function awaitExtraPayments(run: OrderRun): Promise<Ending | null> {
  const { state } = run;
  for (;;) {
    const unpaid = state.payment.extras.find((extra) => extra.status === 'pending');
    if (!unpaid) return null;
    const paid = await awaitStage(run, {
      waitingFor: `the extra payment of ${unpaid.amount} ${state.pricing.currency} (${unpaid.intentId}) by ${unpaid.deadline}`,
      timer: 'extra payment deadline',
      until: Date.parse(unpaid.deadline),
      done: () => unpaid.status !== 'pending',
    });
    if (!paid) return extraPaymentTimeout(unpaid);
  }
}

/** The deadlines of extra payments still open, which the wait for a person honours too (orders started before it did not). */
function extraDeadlinesWatched({ state }: OrderRun): number[] {
  const open = state.payment.extras.filter((extra) => extra.status === 'pending');
  if (open.length === 0 || !patched('extra-payment-deadline-during-review')) return [];
  return open.map((extra) => Date.parse(extra.deadline));
}

/** The order is cancelled because an extra payment an edit asked for never came. */
function extraPaymentTimeout({ intentId, amount, deadline }: ExtraPayment): Ending {
  return cancelled('extra_payment_timeout', { intentId, amount, deadline });
}

function isPast(moment: string): boolean {
  return Date.parse(moment) <= Date.now();
}
