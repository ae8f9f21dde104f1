import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import type { OrderPolicy } from '../../domain/policy.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import {
  cancelOrderUpdate,
  feedbackSubmittedSignal,
  getOrderStateQuery,
  paymentEventSignal,
  shipmentEventSignal,
  type OrderState,
  type OrderWorkflowInput,
} from '../../workflows/messages.js';
import type { orderWorkflow } from '../../workflows/order.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createFakeActivities, type FakeWorld } from '../support/fake-activities.js';

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
const TOTAL = 1_000;

const { activities, worldOf } = createFakeActivities();
const taskQueue = `stage-deadlines-${randomUUID()}`;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let connection: Connection;

beforeAll(async () => {
  const { temporal } = loadConfig({ NODE_ENV: 'test' });
  const dataConverter = payloadDataConverter(temporal);
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
    taskQueue,
    activities,
    dataConverter,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  running = worker.run();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, dataConverter });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
});

/** Starts an order's workflow with the short policy; `world` sets what the outside world answers. */
async function startOrder(
  options: { review?: boolean; backorderOf?: string; world?: Partial<FakeWorld>; policy?: Partial<OrderPolicy> } = {},
) {
  const orderId = `wf-${randomUUID()}`;
  Object.assign(worldOf(orderId), options.world);
  const input: OrderWorkflowInput = {
    orderId,
    placedAt: new Date().toISOString(),
    type: 'regular',
    channel: 'web',
    customerId: 'C-STAGES',
    paymentMethod: 'card',
    lines: [{ lineNo: 1, sku: 'STAGE-SKU', quantity: 1, madeToOrder: false, unitPrice: TOTAL }],
    pricing: {
      currency: 'EUR',
      lines: [{ sku: 'STAGE-SKU', quantity: 1, unitPrice: TOTAL, lineTotal: TOTAL }],
      subtotal: TOTAL,
      discounts: [],
      shipping: 0,
      tax: 0,
      total: TOTAL,
      pointsRedeemed: 0,
      pointsEarned: 0,
    },
    review: options.review ? { required: true, reasons: ['large_order'] } : { required: false, reasons: [] },
    policy: { ...POLICY, ...options.policy },
    backorderOf: options.backorderOf,
  };
  const handle = await client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
    taskQueue,
    workflowId: orderWorkflowId(orderId),
    args: [input],
  });
  return { orderId, handle, world: worldOf(orderId) };
}

/** The provider's capture of the order's total, as the payment webhook forwards it. */
function capture(orderId: string) {
  return {
    eventId: `evt_${randomUUID()}`,
    type: 'payment.succeeded' as const,
    paymentIntentId: `pi_${orderId}_order`,
    transactionId: `txn_${randomUUID()}`,
    amount: TOTAL,
    currency: 'EUR',
    occurredAt: new Date().toISOString(),
  };
}

/** A carrier's tracking event for the order's parcel. */
function tracking(orderId: string, type: 'picked_up' | 'in_transit' | 'delivered') {
  return {
    eventId: `trk_${randomUUID()}`,
    trackingNumber: `TRK-${orderId}`,
    type,
    occurredAt: new Date().toISOString(),
  };
}

const called = (world: FakeWorld, name: FakeWorld['calls'][number]['name']) =>
  world.calls.filter((call) => call.name === name);
const timelineNames = (world: FakeWorld) =>
  called(world, 'recordOrderProgress').map((call) => (call.input as { name: string }).name);

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
