import { upsertSearchAttributes } from '@temporalio/workflow';
import type { ContactProblem } from '../../domain/contact-check.js';
import { cancelled, failed, type Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import { HoldReasonKey } from '../search-attributes.js';
import { awaitStage } from '../stage-wait.js';
import type { OrderRun } from '../order-run.js';

/** Receives the order and checks it can be sold and delivered; unverifiable contact details hold it for support. */
export async function verify(run: OrderRun): Promise<Ending | null> {
  const { orderId, state } = run;
  await run.record('milestone', 'order_received', 'received', {
    detail: { total: state.pricing.total, currency: state.pricing.currency },
  });
  const verification = await activities.verifyOrder({ orderId, skus: state.lines.map((line) => line.sku) });
  if (!verification.ok) return failed('verification_failed', { problems: verification.problems });
  run.checkpoint();
  const contact = await activities.verifyContactInfo({ orderId });
  return contact.ok ? null : holdForCorrection(run, contact.problems);
}

/** Holds the order until support corrects its contact details; no correction by the deadline cancels it. */
async function holdForCorrection(run: OrderRun, problems: ContactProblem[]): Promise<Ending | null> {
  const { state, input } = run;
  const reason = 'unverifiable_contact_info';
  state.hold = { reason, problems, deadline: new Date(Date.now() + input.policy.infoHoldTimeoutMs).toISOString() };
  upsertSearchAttributes([{ key: HoldReasonKey, value: reason }]);
  await run.record('milestone', 'order_on_hold', 'on_hold', {
    reason: problems.map((p) => `${p.path} ${p.message}`).join('; '),
    detail: { problems },
    hold: reason,
  });
  await run.notify('info_needed', { problems });
  const released = await awaitStage(run, {
    waitingFor: `corrected contact details by ${state.hold.deadline}`,
    timer: 'info hold deadline',
    until: Date.now() + input.policy.infoHoldTimeoutMs,
    // Support's correction releases the hold, and so may an edit that brings a deliverable address.
    done: () => state.hold === null,
    // Nothing is owed before the payment request: payments wait in line.
    takesPayments: false,
  });
  run.checkpoint();
  if (!released) return cancelled('info_not_corrected', { problems: state.hold?.problems ?? problems });
  upsertSearchAttributes([{ key: HoldReasonKey, value: '' }]);
  await run.record('milestone', 'hold_released', 'received', {
    reason: 'contact details corrected and verified',
    hold: null,
  });
  return null;
}
