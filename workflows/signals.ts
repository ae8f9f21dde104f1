import { setHandler } from '@temporalio/workflow';
import { TERMINAL_STATUSES } from '../domain/order-status.js';
import {
  feedbackSubmittedSignal,
  orderFlagSignal,
  paymentEventSignal,
  productionNewsSignal,
  shipmentEventSignal,
  warehouseScanSignal,
} from './messages.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';

/** Takes in the outside world's news of an order (payments, tracking, production, survey answers, outside flags), each event once, for its stage to handle. */
export function listenForNews(run: OrderRun): void {
  const seenEventIds = new Set<string>();
  const firstTime = (eventId: string) => {
    if (seenEventIds.has(eventId)) return false;
    seenEventIds.add(eventId);
    return true;
  };
  setHandler(paymentEventSignal, (event) => {
    if (firstTime(event.eventId)) run.paymentInbox.push(event);
  });
  setHandler(shipmentEventSignal, (event) => {
    if (firstTime(event.eventId)) run.shipmentInbox.push(event);
  });
  setHandler(productionNewsSignal, (news) => {
    if (firstTime(news.eventId)) run.productionInbox.push(news);
  });
  // A scan changes nothing the order decides: it goes straight onto the timeline, whatever stage the order is in.
  setHandler(warehouseScanSignal, async (scan) => {
    if (!firstTime(scan.eventId) || TERMINAL_STATUSES.has(run.state.status)) return;
    const { eventId, type, warehouseId, device, occurredAt } = scan;
    await run.record('note', `warehouse_${type}`, run.state.status, {
      actor: device ?? 'warehouse',
      detail: { eventId, warehouseId, occurredAt },
    });
  });
  // A flag goes straight onto the timeline too; once the order has ended it is written after its last entry.
  setHandler(orderFlagSignal, async ({ eventId, flag, reason, detail }) => {
    if (!firstTime(eventId)) return;
    if (TERMINAL_STATUSES.has(run.state.status))
      await activities.flagEndedOrder({ orderId: run.orderId, flag, reason, detail });
    else await run.record('flag', flag, run.state.status, { reason, detail });
  });
  setHandler(feedbackSubmittedSignal, (feedback) => {
    run.feedbackInbox ??= feedback;
  });
}
