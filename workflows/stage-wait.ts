import { condition } from '@temporalio/workflow';
import { applyEdits } from './edits.js';
import { handlePayment } from './money.js';
import type { OrderRun } from './order-run.js';

/** What a stage waits for, until when, and what it takes in while it waits. */
export interface StageWait {
  /** What the order waits for, in words: kept in its state and shown in Temporal UI. */
  waitingFor: string | (() => string);
  /** The deadline timer's summary on the order's history in Temporal UI. */
  timer: string;
  /** When the wait gives up, in epoch milliseconds (asked again after each piece of news when a function). */
  until: number | (() => number);
  /** The stage's own news: the wait ends as soon as this holds. */
  done: () => boolean;
  /** Whether queued edits are applied at this safe point (default yes). */
  takesEdits?: boolean;
  /** Whether payments are handled as they come (default yes; before the payment request they wait in line). */
  takesPayments?: boolean;
  /** News of the stage's own, handled after payments: a parcel's tracking, a survey answer. */
  news?: { arrived: () => boolean; handle: () => Promise<void> };
  /** Whether an accepted cancellation ends the wait (default yes; once delivered nothing cancels an order). */
  cancellable?: boolean;
}

/**
 * The one way an order waits. Whatever arrives meanwhile is handled here, in a fixed order: an
 * accepted cancellation ends the lifecycle, then queued edits, then the stage's own news, then
 * payments, then the stage's other news. Each wait is one timer with a summary on the history.
 */
export async function awaitStage(run: OrderRun, wait: StageWait): Promise<boolean> {
  const { state, paymentInbox, pendingEdits } = run;
  const { takesEdits = true, takesPayments = true, cancellable = true, news } = wait;
  const editsQueued = () => takesEdits && pendingEdits.length > 0;
  const paymentsQueued = () => takesPayments && paymentInbox.length > 0;
  const cancelAccepted = () => cancellable && state.cancellation !== null;
  for (;;) {
    if (wait.done()) return true;
    run.waitFor(typeof wait.waitingFor === 'string' ? wait.waitingFor : wait.waitingFor());
    const remaining = (typeof wait.until === 'number' ? wait.until : wait.until()) - Date.now();
    const woke =
      remaining > 0 &&
      (await condition(
        () => wait.done() || cancelAccepted() || editsQueued() || paymentsQueued() || (news?.arrived() ?? false),
        remaining,
        { summary: wait.timer },
      ));
    if (cancellable) run.checkpoint();
    if (!woke) return false;
    if (editsQueued()) await applyEdits(run);
    else if (wait.done()) return true;
    else if (paymentsQueued()) await handlePayment(run, paymentInbox.shift()!);
    else if (news?.arrived()) await news.handle();
  }
}
