import { patched } from '@temporalio/workflow';
import { completed, returned, type Ending } from '../ending.js';
import type { ReturnRequest } from '../messages.js';
import { activities } from '../order-activities.js';
import type { OrderRun } from '../order-run.js';
import { awaitStage } from '../stage-wait.js';

/** Sends the survey and keeps the order open for its survey and return windows; then it completes, or is returned. */
export async function afterDelivery(run: OrderRun): Promise<Ending> {
  const { orderId, state, input } = run;
  const { policy } = input;
  const deliveredAt = Date.now();
  const surveyClosesAt = deliveredAt + policy.surveyWindowMs;
  const completesAt = deliveredAt + Math.max(policy.surveyWindowMs, policy.returnWindowMs);
  state.returns.closesAt = new Date(deliveredAt + policy.returnWindowMs).toISOString();
  await run.notify('delivered', { trackingNumber: state.shipment!.trackingNumber });
  await activities.sendSurvey({ orderId, closesAt: new Date(surveyClosesAt).toISOString() });
  await run.record('note', 'survey_sent', state.status, {
    detail: { closesAt: new Date(surveyClosesAt).toISOString() },
  });
  const returnAsked = () => state.returns.request !== null;
  // Once delivered, nothing cancels the order and nothing about it can be edited.
  const windows = {
    waitingFor: `the return window and the survey (until ${new Date(completesAt).toISOString()})`,
    takesEdits: false,
    cancellable: false,
  };
  await awaitStage(run, {
    ...windows,
    timer: 'survey window',
    until: surveyClosesAt,
    done: () => returnAsked() || state.feedback !== null,
    news: { arrived: () => run.feedbackInbox !== null, handle: () => keepFeedback(run, surveyClosesAt) },
  });
  if (!returnAsked())
    await awaitStage(run, { ...windows, timer: 'return window', until: completesAt, done: returnAsked });
  if (state.returns.request) return acceptReturn(run, state.returns.request);
  await activities.creditEarnedPoints({ orderId });
  return completed(state.feedback ? 'completed with feedback' : 'completed');
}

/** Records the customer's survey answer, the first one submitted inside the survey window. */
async function keepFeedback(run: OrderRun, surveyClosesAt: number): Promise<void> {
  const feedback = run.feedbackInbox!;
  // Submitted after the close but signalled before the timer fired (or sent past the API): it does not count.
  if (Date.parse(feedback.submittedAt) >= surveyClosesAt && patched('feedback-counted-inside-survey-window')) {
    run.feedbackInbox = null;
    await run.record('note', 'feedback_after_survey_closed', run.state.status, {
      actor: 'customer',
      detail: { submittedAt: feedback.submittedAt, closesAt: new Date(surveyClosesAt).toISOString() },
    });
    return;
  }
  run.state.feedback = feedback;
  await activities.recordFeedback({ orderId: run.orderId, ...feedback });
  await run.record('note', 'feedback_received', run.state.status, {
    actor: 'customer',
    detail: { ...feedback.ratings, comment: feedback.comment ?? null },
  });
}

/** Refund, credit note and the goods back in stock as new lots; then the order ends as returned. */
async function acceptReturn(run: OrderRun, request: ReturnRequest): Promise<Ending> {
  await run.record('note', 'return_requested', run.state.status, { actor: request.actor, reason: request.reason });
  const { restockedUnits } = await activities.restockReturnedGoods({ orderId: run.orderId });
  return returned(request.reason, { requestedBy: request.actor, restockedUnits }, request.actor);
}
