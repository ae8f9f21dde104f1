import { describe, it } from 'vitest';
import type { OrderPolicy } from '../../domain/policy.js';
import {
  cancelOrderUpdate,
  feedbackSubmittedSignal,
  getOrderStateQuery,
  paymentEventSignal,
  shipmentEventSignal,
  type OrderState,
} from '../../workflows/messages.js';
import { called, capture, timelineNames, TOTAL, tracking, useWorkflowAlone } from '../support/workflow-alone.js';

// Beside the HTTP tests: the order workflow alone, on the real dev server, with in-memory activities
// that answer at once, so every stage's deadline can be milliseconds long.
const WINDOW_MS = 300;
const POLICY: OrderPolicy = {
  paymentTimeoutMs: WINDOW_MS,
  confirmationTimeoutMs: WINDOW_MS,
  shortageDecisionTimeoutMs: WINDOW_MS,
  infoHoldTimeoutMs: WINDOW_MS,
  deliveryGraceMs: WINDOW_MS,
  parcelLostAfterMs: WINDOW_MS,
  returnWindowMs: WINDOW_MS,
  surveyWindowMs: WINDOW_MS / 2,
};

const { startOrder } = useWorkflowAlone(POLICY);

describe.concurrent('each stage of the order workflow honours its deadline', () => {
  it('verify: contact details nobody corrects cancel the order (info_not_corrected) before anything is reserved', async ({
    expect,
  }) => {
    const { handle, world } = await startOrder({
      world: { contactProblems: [{ path: 'shippingAddress.postalCode', message: 'is not a postal code of DE' }] },
    });
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'cancelled', outcome: { reason: 'info_not_corrected' } });
    expect(called(world, 'reserveStock')).toEqual([]);
    expect(timelineNames(world)).toEqual(['order_received', 'order_on_hold', 'order_cancelled']);
  });

  it('reserve: a shortage nobody decides cancels the order (shortage_undecided)', async ({ expect }) => {
    const { handle, world } = await startOrder({
      world: { shortages: [{ lineNo: 1, sku: 'STAGE-SKU', requested: 1, available: 0 }] },
    });
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'cancelled', outcome: { reason: 'shortage_undecided' } });
    expect(called(world, 'createPaymentIntent')).toEqual([]);
  });

  it('reserve: a back-order no stock arrives for is cancelled (restock_timeout), asking nobody', async ({ expect }) => {
    const { handle, world } = await startOrder({
      backorderOf: 'PARENT',
      world: { shortages: [{ lineNo: 1, sku: 'STAGE-SKU', requested: 1, available: 0 }] },
    });
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'cancelled', outcome: { reason: 'restock_timeout' } });
    expect(timelineNames(world)).toEqual([
      'order_received',
      'order_verified',
      'stock_short',
      'backordered',
      'order_cancelled',
    ]);
    expect(called(world, 'notifyCustomer').map((call) => (call.input as { template: string }).template)).toEqual([
      'order_cancelled',
    ]);
  });

  it('collectPayment: no capture by the deadline cancels the order (payment_timeout) and releases its stock', async ({
    expect,
  }) => {
    const { handle, world } = await startOrder();
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'cancelled', outcome: { reason: 'payment_timeout' } });
    expect(called(world, 'releaseStock')).toHaveLength(1);
    expect(called(world, 'refundPayment')).toEqual([]);
  });

  it('confirm: a paid order nobody confirms is cancelled (confirmation_timeout) and refunded', async ({ expect }) => {
    const { orderId, handle, world } = await startOrder({ review: true });
    await handle.signal(paymentEventSignal, capture(orderId));
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({
      status: 'cancelled',
      outcome: { reason: 'confirmation_timeout' },
      payment: { amountPaid: TOTAL, amountRefunded: TOTAL, status: 'refunded' },
    });
    expect(called(world, 'refundPayment').map((call) => (call.input as { amount: number }).amount)).toEqual([TOTAL]);
  });

  it('track: a parcel past its ETA and grace is flagged late, then, silent, lost (parcel_lost) and refunded', async ({
    expect,
  }) => {
    const { orderId, handle, world } = await startOrder({ world: { etaInMs: 0 } });
    await handle.signal(paymentEventSignal, capture(orderId));
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'failed', outcome: { reason: 'parcel_lost' } });
    expect(result.flags).toContain('parcel_late');
    expect(called(world, 'refundPayment')).toHaveLength(1);
    // Never picked up: the booking is cancelled and the stock is back on the shelf.
    expect(called(world, 'cancelShipment')).toHaveLength(1);
    expect(called(world, 'releaseStock')).toHaveLength(1);
  });

  it('afterDelivery: once the survey and return windows close the order completes, points credited', async ({
    expect,
  }) => {
    const { orderId, handle, world } = await startOrder();
    await handle.signal(paymentEventSignal, capture(orderId));
    await expect.poll(() => called(world, 'bookShipment').length, { timeout: 10_000 }).toBe(1);
    await handle.signal(shipmentEventSignal, tracking(orderId, 'picked_up'));
    await handle.signal(shipmentEventSignal, tracking(orderId, 'delivered'));
    const result: OrderState = await handle.result();
    expect(result).toMatchObject({ status: 'completed', outcome: { reason: 'completed' }, feedback: null });
    expect(called(world, 'sendSurvey')).toHaveLength(1);
    expect(called(world, 'creditEarnedPoints')).toHaveLength(1);
    expect(called(world, 'refundPayment')).toEqual([]);
  });

  it('afterDelivery: an answer stamped after the survey closed does not count, even when it reaches the order first', async ({
    expect,
  }) => {
    // Long windows: the answer surely reaches the order while its survey timer still runs.
    const { orderId, handle, world } = await startOrder({ policy: { surveyWindowMs: 60_000, returnWindowMs: 60_000 } });
    await handle.signal(paymentEventSignal, capture(orderId));
    await expect.poll(() => called(world, 'bookShipment').length, { timeout: 10_000 }).toBe(1);
    await handle.signal(shipmentEventSignal, tracking(orderId, 'picked_up'));
    await handle.signal(shipmentEventSignal, tracking(orderId, 'delivered'));
    await expect.poll(() => called(world, 'sendSurvey').length, { timeout: 10_000 }).toBe(1);
    const { closesAt } = called(world, 'sendSurvey')[0]!.input as { closesAt: string };

    const submittedAt = new Date(Date.parse(closesAt) + 1_000).toISOString();
    await handle.signal(feedbackSubmittedSignal, { ratings: { product: 1, delivery: 1, service: 1 }, submittedAt });
    await expect.poll(() => timelineNames(world), { timeout: 10_000 }).toContain('feedback_after_survey_closed');
    expect(called(world, 'recordFeedback')).toEqual([]);
    expect((await handle.query(getOrderStateQuery)).feedback).toBeNull();
    await handle.terminate('test done: the survey window runs a minute');
  });

  it('any stage: a cancellation accepted while the order waits ends the wait at once, long before its deadline', async ({
    expect,
  }) => {
    const { handle } = await startOrder({ policy: { paymentTimeoutMs: 60_000 } });
    await expect
      .poll(async () => ((await handle.query('getOrderState')) as OrderState).status)
      .toBe('awaiting_payment');
    const started = Date.now();
    const answer = await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: 'sam@support', reason: 'customer called' }],
    });
    expect(answer).toMatchObject({ status: 'cancelled', reason: 'customer called', undone: ['stock_released'] });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
