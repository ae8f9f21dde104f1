import { CancellationScope, patched, setHandler } from '@temporalio/workflow';
import { allowedActions } from '../domain/order-status.js';
import { handleEdits } from './edits.js';
import { cancelled, failed, finish, type Ending } from './ending.js';
import { getOrderStateQuery, type OrderState, type OrderWorkflowInput } from './messages.js';
import { permanentFailure } from './order-activities.js';
import { CancelledOnRequest, startOrderRun } from './order-run.js';
import { handleShortageDecisions } from './shortage.js';
import { listenForNews } from './signals.js';
import { afterDelivery } from './stages/after-delivery.js';
import { confirm } from './stages/confirmation.js';
import { fulfil } from './stages/fulfilment.js';
import { collectPayment } from './stages/payment.js';
import { produce } from './stages/production.js';
import { reserve } from './stages/reserve.js';
import { track } from './stages/transit.js';
import { verify } from './stages/verify.js';
import { cancelFromTemporal, handleSupportRequests } from './support.js';

/** The stages before delivery, in business order: each returns how the order ends, or null to hand it to the next. */
const STAGES_TO_DELIVERY = [verify, reserve, collectPayment, confirm, produce, fulfil, track] as const;

/** One order from placement to its outcome: verify, reserve, pay, confirm, make (custom lines), ship, invoice, deliver, survey, complete. */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const run = startOrderRun(input);
  handleEdits(run);
  handleShortageDecisions(run);
  setHandler(getOrderStateQuery, () => ({ ...run.state, allowedActions: allowedActions(run.state.status) }));
  listenForNews(run);
  handleSupportRequests(run);

  if (patched('temporal-cancel-is-a-cancellation-request')) {
    // The lifecycle itself is never interrupted: a cancel from Temporal is turned into a request it answers at a safe point.
    CancellationScope.current().cancelRequested.catch(() =>
      CancellationScope.nonCancellable(() => cancelFromTemporal(run)),
    );
    return CancellationScope.nonCancellable(runToEnd);
  }
  return runToEnd();

  /** The lifecycle, and how it ends when it is cancelled or a step fails for good. */
  async function runToEnd(): Promise<OrderState> {
    try {
      return await finish(run, await lifecycle());
    } catch (error) {
      if (error instanceof CancelledOnRequest) {
        const { request } = run.state.cancellation!;
        return finish(run, cancelled(request.reason, { requestedBy: request.actor }, request.actor));
      }
      // A step Postgres will never accept: end the order (undoing what it did) and flag it for a person, instead of retrying forever.
      const reason = permanentFailure(error);
      if (!reason || !patched('permanent-failure-fails-order')) throw error;
      await run.record('flag', 'permanent_failure', run.state.status, { reason });
      return finish(run, failed('permanent_failure', { message: reason }));
    }
  }

  /** The order's stages, top to bottom; the first that ends the order decides how. */
  async function lifecycle(): Promise<Ending> {
    for (const stage of STAGES_TO_DELIVERY) {
      const ending = await stage(run);
      if (ending) return ending;
    }
    return afterDelivery(run);
  }
}
