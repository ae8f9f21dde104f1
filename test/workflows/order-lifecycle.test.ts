import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, notifications, stockLots, surveys } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import {
  asService,
  asSupport,
  getOrder,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // Second-long windows and sandbox days so whole lives fit in a test; the grace keeps these parcels on time.
  stack = await startTestStack({
    POLICY_RETURN_WINDOW: '3s',
    POLICY_SURVEY_WINDOW: '2s',
    POLICY_DELIVERY_GRACE: '30s',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
});
afterAll(() => stack.close());

async function newCustomer(points = 0) {
  const email = `life-${uniqueTag().toLowerCase()}@example.com`;
  const id = `cus_${uniqueTag()}`;
  await stack.db
    .insert(customers)
    .values({ id, name: 'Life Cycle', email, phone: '+49 30 2222222', memberLevel: 'silver', points });
  return { id, email, name: 'Life Cycle', phone: '+49 30 2222222' };
}

async function driveToCompletion(type: 'regular' | 'urgent') {
  const sku = await createProduct(stack.db, { priceMinor: 2_000, lots: [{ onHand: 10 }] });
  const customer = await newCustomer();
  const placed = await postOrder(
    stack.app,
    orderRequest([{ sku, quantity: 3 }], {
      type,
      customer: { name: customer.name, email: customer.email, phone: customer.phone },
    }),
  );
  expect(placed.statusCode).toBe(201);
  const orderId = placed.json().id as string;

  await payInFull(stack.app, orderId);
  const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
  expect(ready.shipment).toMatchObject({ status: 'booked', service: type === 'urgent' ? 'express' : 'standard' });
  expect(ready.invoice).toMatchObject({ status: 'delivered', total: ready.pricing.total });
  const [lot] = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku)).orderBy(asc(stockLots.id));
  expect(lot).toMatchObject({ onHand: 7, reserved: 0 });

  const invoice = await stack.app.inject({
    method: 'GET',
    url: `/v1/invoices/${ready.invoice!.number}`,
    headers: asSupport,
  });
  expect(invoice.statusCode).toBe(200);
  expect(invoice.json()).toMatchObject({
    orderId,
    total: ready.pricing.total,
    tax: ready.pricing.tax,
    integrity: 'verified',
  });

  const shipment = ready.shipment!;
  expect((await sendCarrierWebhook(stack.app, shipment, 'picked_up')).statusCode).toBe(202);
  await waitForStatus(stack.app, orderId, 'shipped');
  expect((await sendCarrierWebhook(stack.app, shipment, 'in_transit')).statusCode).toBe(202);
  expect((await sendCarrierWebhook(stack.app, shipment, 'delivered')).statusCode).toBe(202);
  const delivered = await waitForStatus(stack.app, orderId, 'delivered');
  expect(delivered.allowedActions).toEqual(['feedback', 'return']);
  expect(delivered.shipment).toMatchObject({ status: 'delivered' });

  // The survey goes out at delivery; the answer is accepted while the survey window is open.
  await expect
    .poll(async () => (await stack.db.select().from(surveys).where(eq(surveys.orderId, orderId))).length)
    .toBe(1);
  const feedback = await stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/feedback`,
    headers: asService,
    payload: { ratings: { product: 5, delivery: 4, service: 5 }, comment: 'lovely tea' },
  });
  expect(feedback.statusCode).toBe(202);

  const completed = await waitForStatus(stack.app, orderId, 'completed', 20_000);
  expect(completed.milestones.map((m) => m.name)).toEqual([
    'order_received',
    'order_verified',
    'stock_reserved',
    'payment_captured',
    'order_confirmed',
    'shipment_booked',
    'parcel_picked_up',
    'parcel_delivered',
    'order_completed',
  ]);
  const [survey] = await stack.db.select().from(surveys).where(eq(surveys.orderId, orderId));
  expect(survey).toMatchObject({ productRating: 5, deliveryRating: 4, serviceRating: 5, comment: 'lovely tea' });
  const sent = await stack.db
    .select({ template: notifications.template })
    .from(notifications)
    .where(eq(notifications.orderId, orderId));
  expect(sent.map((n) => n.template).sort()).toEqual(['delivered', 'invoice', 'order_confirmed', 'shipped', 'survey']);
  const [after] = await stack.db.select().from(customers).where(eq(customers.id, completed.customerId!));
  expect(after!.points).toBe(completed.pricing.pointsEarned);

  const timeline = (
    await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })
  ).json();
  expect(timeline.entries.map((e: { name: string }) => e.name)).toEqual(
    expect.arrayContaining(['invoice_issued', 'parcel_in_transit', 'survey_sent', 'feedback_received']),
  );
  return completed;
}

describe('order lifecycle through HTTP and webhooks only', () => {
  it('takes a regular order from placement to completion', async () => {
    await driveToCompletion('regular');
  });

  it('takes an urgent order from placement to completion with an express carrier', async () => {
    const completed = await driveToCompletion('urgent');
    const description = await stack.client.workflow.getHandle(orderWorkflowId(completed.id)).describe();
    expect(description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'Priority')?.value).toBe(1);
  });

  it('holds a risky order for a person, who confirms it; confirming twice or too early is refused', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 50 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 25 }]));
    expect(placed.json().review).toEqual({ required: true, reasons: ['many_units_of_one_sku'] });
    const orderId = placed.json().id;

    const early = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'sam@support' },
    });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ type: '/problems/action-refused', reason: 'NotAllowed' });

    await payInFull(stack.app, orderId);
    const held = await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
    expect(held.allowedActions).toEqual(['confirm', 'edit', 'cancel']);
    const asServiceRole = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asService,
      payload: { confirmedBy: 'bot' },
    });
    expect(asServiceRole.statusCode).toBe(403);

    const confirm = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'sam@support', note: 'called the customer' },
    });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({ orderId, confirmedBy: 'support' });
    await waitForStatus(stack.app, orderId, 'ready_to_ship');
    const again = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'sam@support' },
    });
    expect(again.statusCode).toBe(409);

    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })
    ).json();
    expect(timeline.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'order_confirmed', actor: 'support', reason: 'called the customer' }),
      ]),
    );
  });

  it('refuses feedback before delivery and invalid ratings', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id;
    const early = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/feedback`,
      headers: asService,
      payload: { ratings: { product: 5, delivery: 5, service: 5 } },
    });
    expect(early.statusCode).toBe(409);
    const invalid = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/feedback`,
      headers: asService,
      payload: { ratings: { product: 6, delivery: 0, service: 5 } },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors.map((e: { path: string }) => e.path)).toEqual(['ratings.product', 'ratings.delivery']);
    expect((await getOrder(stack.app, orderId)).status).not.toBe('completed');
  });
});

describe('deadlines after payment', () => {
  let strict: TestStack;
  beforeAll(async () => {
    strict = await startTestStack({
      POLICY_CONFIRMATION_TIMEOUT: '2s',
      POLICY_DELIVERY_GRACE: '1s',
      SANDBOX_CARRIER_DAY: '1s',
    });
    await strict.startWorker();
  });
  afterAll(() => strict.close());

  it('cancels and refunds an order nobody confirms in time', async () => {
    const sku = await createProduct(strict.db, { lots: [{ onHand: 30 }] });
    const orderId = (await postOrder(strict.app, orderRequest([{ sku, quantity: 21 }]))).json().id;
    await payInFull(strict.app, orderId);
    const cancelled = await waitForStatus(strict.app, orderId, 'cancelled', 15_000);
    expect(cancelled.payment).toMatchObject({ status: 'refunded', amountRefunded: cancelled.pricing.total });
    const [lot] = await strict.db.select().from(stockLots).where(eq(stockLots.sku, sku)).orderBy(asc(stockLots.id));
    expect(lot).toMatchObject({ onHand: 30, reserved: 0 });
  });

  it('flags a parcel that is past its ETA', async () => {
    const sku = await createProduct(strict.db, { lots: [{ onHand: 5 }] });
    const orderId = (await postOrder(strict.app, orderRequest([{ sku, quantity: 1 }]))).json().id;
    await payInFull(strict.app, orderId);
    await waitForStatus(strict.app, orderId, 'ready_to_ship');
    await expect
      .poll(async () => (await getOrder(strict.app, orderId)).flags, { timeout: 15_000, interval: 250 })
      .toContain('parcel_late');
    const description = await strict.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'Flagged')?.value).toBe(true);
  });
});

describe('retried support calls', () => {
  it('answers a confirmation retried with the same Idempotency-Key like the first, instead of refusing it', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 50 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 22 }]))).json().id;
    await payInFull(stack.app, orderId);
    await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
    const confirm = (key: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/orders/${orderId}/confirm`,
        headers: { ...asSupport, 'idempotency-key': key },
        payload: { confirmedBy: 'sam@support' },
      });
    const first = await confirm('confirm-call-0001');
    const retried = await confirm('confirm-call-0001');
    expect([first.statusCode, retried.statusCode]).toEqual([200, 200]);
    expect(retried.json()).toEqual(first.json());
    expect((await confirm('confirm-call-0002')).statusCode).toBe(409);
  });
});
