import { setHandler } from '@temporalio/workflow';
import { feedbackSubmittedSignal, paymentEventSignal, shipmentEventSignal } from './messages.js';
import type { OrderRun } from './order-run.js';

/** Takes in the outside world's news of an order (payments, tracking, survey answers), each event once, for its stage to handle. */
export function listenForNews(run: OrderRun): void {
  const seenEventIds = new Set<string>();
  setHandler(paymentEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    run.paymentInbox.push(event);
  });
  setHandler(shipmentEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    run.shipmentInbox.push(event);
  });
  setHandler(feedbackSubmittedSignal, (feedback) => {
    run.feedbackInbox ??= feedback;
  });
}
