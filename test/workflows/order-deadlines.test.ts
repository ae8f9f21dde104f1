import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { notifications, payments, stockLots, surveys } from '../../db/schema.js';
import { getOrderStateQuery } from '../../workflows/messages.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { waitUntil } from '../support/deadlines.js';
import { historySteps } from '../support/history.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import {
  asService,
  asSupport,
  getOrder,
  getTimeline,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  waitForStatus,
  type TimelineEntry,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const SECOND = 1_000;
// Every window is seconds long, and a sandbox transit day half a second, so each deadline passes within a test.
const WINDOWS = {
  payment: 4 * SECOND,
  // Longer than the payment window, so an extra payment's deadline passes while an order still awaits review.
  confirmation: 8 * SECOND,
  infoHold: 2 * SECOND,
  shortageDecision: 3 * SECOND,
  deliveryGrace: 1 * SECOND,
  parcelLostAfter: 2 * SECOND,
};

/** Deadlines up to delivery, and a return window that closes while the survey is still open. */
let stack: TestStack;
/** After delivery the other way round: the survey closes first, the return window then completes the order. */
let afterDelivery: TestStack;

beforeAll(async () => {
  [stack, afterDelivery] = await Promise.all([
    startTestStack({
      POLICY_PAYMENT_TIMEOUT: `${WINDOWS.payment}ms`,
      POLICY_CONFIRMATION_TIMEOUT: `${WINDOWS.confirmation}ms`,
      POLICY_INFO_HOLD_TIMEOUT: `${WINDOWS.infoHold}ms`,
      POLICY_SHORTAGE_DECISION_TIMEOUT: `${WINDOWS.shortageDecision}ms`,
      POLICY_DELIVERY_GRACE: `${WINDOWS.deliveryGrace}ms`,
      POLICY_PARCEL_LOST_AFTER: `${WINDOWS.parcelLostAfter}ms`,
      POLICY_RETURN_WINDOW: '3s',
      POLICY_SURVEY_WINDOW: '8s',
      SANDBOX_CARRIER_DAY: '500ms',
    }),
    startTestStack({
      POLICY_SURVEY_WINDOW: '3s',
      POLICY_RETURN_WINDOW: '5s',
      // Parcels here are delivered at once: the grace keeps them on time.
      POLICY_DELIVERY_GRACE: '1m',
      SANDBOX_CARRIER_DAY: '500ms',
    }),
  ]);
  await Promise.all([stack.startWorker(), afterDelivery.startWorker()]);
});
afterAll(async () => {
  await Promise.all([stack?.close(), afterDelivery?.close()]);
});

async function place(on: TestStack, body: ReturnType<typeof orderRequest>): Promise<string> {
  const placed = await postOrder(on.app, body);
  if (placed.statusCode !== 201) throw new Error(`placing an order: ${placed.statusCode} ${placed.body}`);
  return placed.json().id;
}

/** On hand and reserved over all lots of a product. */
async function stockOf(on: TestStack, sku: string) {
  const lots = await on.db.select().from(stockLots).where(eq(stockLots.sku, sku));
  return {
    onHand: lots.reduce((sum, lot) => sum + lot.onHand, 0),
    reserved: lots.reduce((sum, lot) => sum + lot.reserved, 0),
  };
}

/** The refunds the payment ledger holds for an order, by amount. */
async function refundsOf(on: TestStack, orderId: string) {
  const rows = await on.db
    .select({ amount: payments.amount })
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.kind, 'refund')));
  return rows.map((row) => row.amount);
}

async function templatesSent(on: TestStack, orderId: string) {
  const rows = await on.db.select().from(notifications).where(eq(notifications.orderId, orderId));
  return rows.map((row) => row.template);
}

/** The timeline entry named `name`; fails when the order has none. */
function entry(timeline: TimelineEntry[], name: string): TimelineEntry {
  const found = timeline.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no ${name} on the timeline: ${timeline.map((e) => e.name).join(', ')}`);
  return found;
}

/** Milliseconds from one timeline entry to another. */
const between = (timeline: TimelineEntry[], from: string, to: string) =>
  Date.parse(entry(timeline, to).at) - Date.parse(entry(timeline, from).at);

/** A paid order of `quantity` units handed to the carrier: booked, not yet picked up. */
async function readyToShip(on: TestStack, quantity = 1) {
  const sku = await createProduct(on.db, { lots: [{ onHand: 5 }] });
  const orderId = await place(on, orderRequest([{ sku, quantity }]));
  await payInFull(on.app, orderId);
  return { sku, orderId, order: await waitForStatus(on.app, orderId, 'ready_to_ship') };
}

async function delivered(on: TestStack) {
  const { orderId, order } = await readyToShip(on);
  await sendCarrierWebhook(on.app, order.shipment!, 'picked_up');
  await sendCarrierWebhook(on.app, order.shipment!, 'delivered');
  return { orderId, order: await waitForStatus(on.app, orderId, 'delivered') };
}

const requestReturn = (orderId: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/returns`,
    headers: asService,
    payload: { reason: 'changed my mind', requestedBy: 'returns-portal' },
  });

const sendFeedback = (orderId: string) =>
  afterDelivery.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/feedback`,
    headers: asService,
    payload: { ratings: { product: 4, delivery: 5, service: 5 }, comment: 'nice' },
  });

/** When the order's survey closes, as the order announced it on its timeline once delivered. */
async function surveyClosesAt(expect: ExpectStatic, orderId: string): Promise<string> {
  let sent: TimelineEntry | undefined;
  await expect
    .poll(async () => (sent = (await getTimeline(afterDelivery.app, orderId)).find((e) => e.name === 'survey_sent')))
    .toBeDefined();
  return (sent!.detail as { closesAt: string }).closesAt;
}

async function surveyOf(orderId: string) {
  const [survey] = await afterDelivery.db.select().from(surveys).where(eq(surveys.orderId, orderId));
  return survey;
}

const editLines = (orderId: string, lines: Array<{ sku: string; quantity: number }>) =>
  stack.app.inject({
    method: 'PATCH',
    url: `/v1/orders/${orderId}`,
    headers: asSupport,
    payload: { requestedBy: 'sam@support', lines },
  });

/** An order held for review (more than 20 units of one SKU), paid in full and waiting for a person. */
async function paidAwaitingReview() {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 30 }] });
  const orderId = await place(stack, orderRequest([{ sku, quantity: 21 }]));
  await payInFull(stack.app, orderId);
  return { sku, orderId, order: await waitForStatus(stack.app, orderId, 'awaiting_confirmation') };
}

// The deadlines run side by side: each test waits on its own order's timers.
describe.concurrent('every deadline of an order, in seconds', () => {
  it('payment: an unpaid order is cancelled at its deadline (payment_timeout) and its stock released', async ({
    expect,
  }) => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = await place(stack, orderRequest([{ sku, quantity: 2 }]));
    await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(await stockOf(stack, sku)).toEqual({ onHand: 5, reserved: 2 });

    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'payment_timeout' });
    expect(between(timeline, 'stock_reserved', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.payment);
    expect(cancelled.payment).toMatchObject({ amountPaid: 0, amountRefunded: 0, amountDue: 0 });
    expect(await stockOf(stack, sku)).toEqual({ onHand: 5, reserved: 0 });
    // The history reads like the story in Temporal UI: every activity and timer says what it is.
    const steps = await historySteps(stack, orderId);
    expect(steps.filter((step) => step.summary === null)).toEqual([]);
    expect(steps).toEqual(
      expect.arrayContaining([
        { step: 'verifyOrder', summary: 'verify products' },
        { step: 'reserveStock', summary: 'reserve stock' },
        { step: 'createPaymentIntent', summary: 'request payment' },
        { step: 'timer', summary: 'payment deadline' },
        { step: 'releaseStock', summary: 'release stock' },
      ]),
    );
  });

  it('confirmation: a paid order held for review that nobody confirms is cancelled (confirmation_timeout) and refunded', async ({
    expect,
  }) => {
    const { sku, orderId, order } = await paidAwaitingReview();

    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'confirmation_timeout' });
    expect(between(timeline, 'confirmation_requested', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.confirmation);
    expect(cancelled.payment).toMatchObject({
      status: 'refunded',
      amountPaid: order.pricing.total,
      amountRefunded: order.pricing.total,
    });
    expect(await refundsOf(stack, orderId)).toEqual([order.pricing.total]);
    expect(await stockOf(stack, sku)).toEqual({ onHand: 30, reserved: 0 });
  });

  it('extra payment: an edit that raised a paid total, unpaid by its deadline, cancels (extra_payment_timeout) and refunds everything', async ({
    expect,
  }) => {
    const { sku, orderId, order } = await paidAwaitingReview();
    const edited = await editLines(orderId, [{ sku, quantity: 25 }]);
    expect(edited.statusCode, edited.body).toBe(200);
    const { settlement } = edited.json();
    expect(settlement).toMatchObject({ kind: 'extra_payment_requested' });
    // Confirmed in time: only the extra payment is missing.
    const confirmed = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'sam@support' },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);

    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'extra_payment_timeout' });
    expect(Date.parse(timeline.at(-1)!.at)).toBeGreaterThanOrEqual(Date.parse(settlement.deadline));
    expect(cancelled.payment).toMatchObject({
      amountPaid: order.pricing.total,
      amountRefunded: order.pricing.total,
      amountDue: 0,
    });
    expect(await refundsOf(stack, orderId)).toEqual([order.pricing.total]);
    expect(await stockOf(stack, sku)).toEqual({ onHand: 30, reserved: 0 });
  });

  it('extra payment: unpaid by its deadline cancels the order then, even while it still awaits review', async ({
    expect,
  }) => {
    const { sku, orderId } = await paidAwaitingReview();
    const edited = await editLines(orderId, [{ sku, quantity: 25 }]);
    expect(edited.json().settlement).toMatchObject({ kind: 'extra_payment_requested' });

    await waitForStatus(stack.app, orderId, 'cancelled');
    expect((await getTimeline(stack.app, orderId)).at(-1)).toMatchObject({
      name: 'order_cancelled',
      reason: 'extra_payment_timeout',
    });
  });

  it('info hold: undeliverable contact details nobody corrects cancel the order (info_not_corrected)', async ({
    expect,
  }) => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const body = orderRequest([{ sku, quantity: 1 }]);
    const orderId = await place(stack, { ...body, shippingAddress: { ...body.shippingAddress, postalCode: '1011' } });
    await waitForStatus(stack.app, orderId, 'on_hold');

    await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'info_not_corrected' });
    expect(between(timeline, 'order_on_hold', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.infoHold);
    expect(await templatesSent(stack, orderId)).toEqual(['info_needed', 'order_cancelled']);
    expect(await stockOf(stack, sku)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('shortage decision: stock short and nobody decides cancels the order (shortage_undecided)', async ({ expect }) => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
    const orderId = await place(stack, orderRequest([{ sku, quantity: 3 }]));
    await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');

    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'shortage_undecided' });
    expect(between(timeline, 'stock_short', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.shortageDecision);
    expect(cancelled.lines[0]!.allocation).toEqual([]);
    expect(await stockOf(stack, sku)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('restock: support decides to wait for restock, no stock arrives: cancelled (restock_timeout)', async ({
    expect,
  }) => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
    const orderId = await place(stack, orderRequest([{ sku, quantity: 3 }]));
    await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');
    const decided = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/shortage-resolution`,
      headers: asSupport,
      payload: { decision: 'wait_restock', requestedBy: 'sam@support' },
    });
    expect(decided.statusCode, decided.body).toBe(200);

    await waitForStatus(stack.app, orderId, 'cancelled');
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'restock_timeout' });
    expect(between(timeline, 'backordered', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.shortageDecision);
    expect(await stockOf(stack, sku)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('restock: a back-order no stock arrives for is cancelled (restock_timeout) after the same wait', async ({
    expect,
  }) => {
    const shortSku = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
    const fineSku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = await place(
      stack,
      orderRequest([
        { sku: shortSku, quantity: 3 },
        { sku: fineSku, quantity: 1 },
      ]),
    );
    await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');
    const decided = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/shortage-resolution`,
      headers: asSupport,
      payload: { decision: 'partial_ship', requestedBy: 'sam@support' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    const { backorderId } = decided.json();

    await waitForStatus(stack.app, backorderId, 'cancelled');
    const timeline = await getTimeline(stack.app, backorderId);
    expect(entry(timeline, 'backordered')).toMatchObject({ actor: 'orchestrator' });
    expect(timeline.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'restock_timeout' });
    expect(between(timeline, 'backordered', 'order_cancelled')).toBeGreaterThanOrEqual(WINDOWS.shortageDecision);
  });

  it('parcel late: no tracking news by ETA + grace flags parcel_late and tells the customer', async ({ expect }) => {
    const { orderId, order } = await readyToShip(stack);

    await expect
      .poll(async () => (await getOrder(stack.app, orderId)).flags, { timeout: 20_000, interval: 200 })
      .toContain('parcel_late');
    const flag = entry(await getTimeline(stack.app, orderId), 'parcel_late');
    expect(flag).toMatchObject({ kind: 'flag', status: 'ready_to_ship' });
    expect(Date.parse(flag.at)).toBeGreaterThanOrEqual(Date.parse(order.shipment!.eta) + WINDOWS.deliveryGrace);
    await expect.poll(() => templatesSent(stack, orderId)).toContain('parcel_late');
  });

  it('parcel lost: a late parcel still silent after the lost window fails the order (parcel_lost) and refunds it', async ({
    expect,
  }) => {
    const { sku, orderId, order } = await readyToShip(stack);
    expect((await sendCarrierWebhook(stack.app, order.shipment!, 'picked_up')).statusCode).toBe(202);
    await waitForStatus(stack.app, orderId, 'shipped');

    const failed = await waitForStatus(stack.app, orderId, 'failed', 30_000);
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({
      name: 'order_failed',
      reason: 'parcel_lost',
      detail: expect.objectContaining({ undone: ['payment_refunded', 'invoice_credited'] }),
    });
    expect(Date.parse(timeline.at(-1)!.at)).toBeGreaterThanOrEqual(
      Date.parse(order.shipment!.eta) + WINDOWS.deliveryGrace + WINDOWS.parcelLostAfter,
    );
    expect(failed.flags).toContain('parcel_late');
    expect(failed.payment).toMatchObject({ status: 'refunded', amountRefunded: order.pricing.total });
    expect(await refundsOf(stack, orderId)).toEqual([order.pricing.total]);
    // The carrier had the goods: they are not back on the shelf.
    expect(await stockOf(stack, sku)).toEqual({ onHand: 4, reserved: 0 });
  });

  it('parcel lost: news from a late parcel restarts the lost window', async ({ expect }) => {
    const { orderId, order } = await readyToShip(stack);
    await expect
      .poll(async () => (await getOrder(stack.app, orderId)).flags, { timeout: 20_000, interval: 200 })
      .toContain('parcel_late');
    const flagged = entry(await getTimeline(stack.app, orderId), 'parcel_late');
    // Halfway through the lost window the carrier reports the parcel moving after all.
    await waitUntil(Date.parse(flagged.at) + WINDOWS.parcelLostAfter / 2);
    expect((await sendCarrierWebhook(stack.app, order.shipment!, 'in_transit')).statusCode).toBe(202);

    await waitForStatus(stack.app, orderId, 'failed', 30_000);
    const timeline = await getTimeline(stack.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_failed', reason: 'parcel_lost' });
    // Lost only once silent for the whole window after the news, not counted from the late flag.
    expect(between(timeline, 'parcel_in_transit', 'order_failed')).toBeGreaterThanOrEqual(WINDOWS.parcelLostAfter);
  });

  it('return window: a return inside it is accepted', async ({ expect }) => {
    const { orderId, order } = await delivered(stack);
    const response = await requestReturn(orderId);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ status: 'returned', refunded: order.pricing.total });
    expect((await getOrder(stack.app, orderId)).status).toBe('returned');
  });

  it('return window: a return after it closed is refused with 409, while the survey keeps the order open', async ({
    expect,
  }) => {
    const { orderId, order } = await delivered(stack);
    const state = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).query(getOrderStateQuery);
    await waitUntil(state.returns.closesAt!);

    const response = await requestReturn(orderId);
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toMatch(/return window closed/);
    expect(await getOrder(stack.app, orderId)).toMatchObject({
      status: 'delivered',
      payment: { amountPaid: order.pricing.total, amountRefunded: 0 },
    });
    expect(await refundsOf(stack, orderId)).toEqual([]);
  });

  it('survey window: feedback inside it is recorded', async ({ expect }) => {
    const { orderId } = await delivered(afterDelivery);
    expect((await sendFeedback(orderId)).statusCode).toBe(202);

    await expect
      .poll(async () => (await getTimeline(afterDelivery.app, orderId)).map((e) => e.name))
      .toContain('feedback_received');
    expect(entry(await getTimeline(afterDelivery.app, orderId), 'feedback_received')).toMatchObject({
      actor: 'customer',
    });
    expect(await surveyOf(orderId)).toMatchObject({ productRating: 4, deliveryRating: 5, comment: 'nice' });
    expect((await surveyOf(orderId))!.respondedAt).not.toBeNull();
  });

  it('survey window: feedback after the survey closed is refused (409) and not recorded', async ({ expect }) => {
    const { orderId } = await delivered(afterDelivery);
    const closesAt = await surveyClosesAt(expect, orderId);
    expect((await surveyOf(orderId))!.closesAt!.toISOString()).toBe(closesAt);
    await waitUntil(closesAt);

    const late = await sendFeedback(orderId);
    expect(late.statusCode).toBe(409);
    expect(late.json().detail).toBe(`the survey closed at ${closesAt}`);
    await waitForStatus(afterDelivery.app, orderId, 'completed');
    const timeline = await getTimeline(afterDelivery.app, orderId);
    expect(timeline.map((e) => e.name)).not.toContain('feedback_received');
    expect(timeline.at(-1)).toMatchObject({ name: 'order_completed', reason: 'completed' });
    expect(await surveyOf(orderId)).toMatchObject({ respondedAt: null, productRating: null });
  });

  it('completion: after both windows the order completes without anyone acting', async ({ expect }) => {
    const { orderId, order } = await delivered(afterDelivery);

    const completed = await waitForStatus(afterDelivery.app, orderId, 'completed');
    const timeline = await getTimeline(afterDelivery.app, orderId);
    expect(timeline.at(-1)).toMatchObject({ name: 'order_completed', reason: 'completed', actor: 'orchestrator' });
    expect(between(timeline, 'parcel_delivered', 'order_completed')).toBeGreaterThanOrEqual(5 * SECOND);
    expect(completed.milestones.at(-1)!.name).toBe('order_completed');
    expect(completed.payment).toMatchObject({ amountPaid: order.pricing.total, amountRefunded: 0 });
    expect(await refundsOf(afterDelivery, orderId)).toEqual([]);
  });
});
