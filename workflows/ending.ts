import { allHandlersFinished, CancellationScope, condition, patched } from '@temporalio/workflow';
import type { CancelResult, OrderState } from './messages.js';
import { drainPayments, giveBack } from './money.js';
import { activities } from './order-activities.js';
import type { OrderRun, UndoableStep } from './order-run.js';

/** The statuses an order ends in. */
export type FinalStatus = 'cancelled' | 'failed' | 'completed' | 'returned';

/** How an order ends: its final status, the milestone on its timeline, the reason and what to keep with it. */
export interface Ending {
  status: FinalStatus;
  milestone: string;
  reason: string;
  detail?: Record<string, unknown>;
  actor?: string;
}

/** The order is cancelled: by a deadline, a decision or a request; everything it did is undone. */
export function cancelled(reason: string, detail?: Record<string, unknown>, actor?: string): Ending {
  return { status: 'cancelled', milestone: 'order_cancelled', reason, detail, actor };
}

/** The order cannot go on (no carrier, a lost parcel, data Postgres refuses); everything it did is undone. */
export function failed(reason: string, detail?: Record<string, unknown>): Ending {
  return { status: 'failed', milestone: 'order_failed', reason, detail };
}

/** The customer sent the order back inside the return window. */
export function returned(reason: string, detail: Record<string, unknown>, actor: string): Ending {
  return { status: 'returned', milestone: 'order_returned', reason, detail, actor };
}

/** The order went all the way: delivered, and its return and survey windows closed. */
export function completed(reason: string): Ending {
  return { status: 'completed', milestone: 'order_completed', reason };
}

/**
 * Undoes what the order did, in reverse: carrier booking, production, stock, payment, invoice, points.
 * Each step is idempotent and runs even if the workflow is being cancelled.
 */
async function compensate(run: OrderRun, reason: string): Promise<Omit<CancelResult, 'status' | 'reason'>> {
  const { orderId, state } = run;
  const undone: string[] = [];
  let creditNote: string | null = null;
  let refunded = 0;
  const pickedUp = state.shipment !== null && state.shipment.status !== 'booked';
  // A step that began may have taken effect even if its answer never came back: undo it all the same.
  const byAttempt = patched('compensate-attempted-steps');
  const began = (step: UndoableStep) => byAttempt && run.attempted.has(step);
  await CancellationScope.nonCancellable(async () => {
    if ((state.shipment || began('book')) && !pickedUp && (await activities.cancelShipment({ orderId })).cancelled) {
      if (state.shipment) state.shipment.status = 'cancelled';
      undone.push('shipment_cancelled');
    }
    if (state.production || began('produce')) {
      // The orders it pulls forward are told by the planning itself.
      const { cancelledJobs } = await activities.cancelProduction({
        orderId,
        now: new Date().toISOString(),
      });
      for (const job of state.production?.jobs ?? []) if (cancelledJobs.includes(job.id)) job.status = 'cancelled';
      if (cancelledJobs.length > 0) undone.push('production_cancelled');
    }
    // Goods the carrier already has are not back on the shelf.
    if (
      (state.allocations.length > 0 || began('reserve')) &&
      !pickedUp &&
      (await activities.releaseStock({ orderId })).releasedUnits > 0
    )
      undone.push('stock_released');
    if (state.payment.amountPaid > state.payment.amountRefunded) {
      refunded = state.payment.amountPaid - state.payment.amountRefunded;
      await giveBack(run, refunded, reason, `${orderId}:refund:full`);
      state.payment.status = 'refunded';
      undone.push('payment_refunded');
    }
    if (state.invoice || began('invoice')) {
      creditNote = (await activities.issueCreditNote({ orderId }))?.number ?? null;
      if (creditNote) undone.push('invoice_credited');
    }
    if (state.pricing.pointsRedeemed > 0 && (await activities.returnRedeemedPoints({ orderId })).returnedPoints > 0)
      undone.push('points_returned');
  });
  return { undone, refunded, creditNote };
}

/** Ends the order as `ending` says: undoes it unless it completed, tells the customer, answers every open request. */
export async function finish(run: OrderRun, ending: Ending): Promise<OrderState> {
  const { state, paymentInbox, pendingEdits, record, waitFor, notify } = run;
  const { status, milestone, reason, detail, actor } = ending;
  state.outcome = { reason, ...(detail ? { detail } : {}) };
  waitFor(null);
  let result: CancelResult = { status, reason, undone: [], refunded: 0, creditNote: null };
  // Payments that arrived but were not handled yet are money we hold too: account for them (and refund what we must not keep).
  await drainPayments(run);
  if (status !== 'completed') {
    result = { status, reason, ...(await compensate(run, reason)) };
    await notify(status === 'returned' ? 'return_accepted' : 'order_cancelled', {
      reason,
      refunded: result.refunded,
      creditNote: result.creditNote,
    });
  }
  const undoneDetail =
    status !== 'completed' ? { undone: result.undone, refunded: result.refunded, creditNote: result.creditNote } : {};
  await record('milestone', milestone, status, {
    reason,
    detail: { ...detail, ...undoneDetail },
    ...(actor ? { actor } : {}),
  });
  // Changes still waiting for a safe point will not get one now.
  for (const edit of pendingEdits.splice(0)) edit.refusal = `order is ${status}: it can no longer change`;
  if (state.shortage?.decision === 'partial_ship' || state.shortage?.decision === 'substitute')
    run.shortageAnswer ??= { refusal: `order is ${status}` };
  // A cancellation asked for while the order was already ending gets the real outcome as its answer.
  if (state.cancellation && !state.cancellation.result) state.cancellation.result = result;
  if (state.returns.request && !state.returns.result) state.returns.result = result;
  // A payment signalled while we were finishing must not be dropped with the workflow.
  do {
    await condition(allHandlersFinished);
    await drainPayments(run);
  } while (paymentInbox.length > 0);
  return { ...state, allowedActions: [] };
}
