import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../db/schema.js';
import type { PlaceOrder } from '../../domain/order-schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import {
  asMarketplace,
  asService,
  asSupport,
  getOrder,
  getTimeline,
  payInFull,
  postOrder,
  waitForStatus,
} from '../support/http.js';
import { waitUntilIdle } from '../support/order-model.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sku: string;

beforeAll(async () => {
  // The velocity rules at their defaults, on for this file only: every customer and address here is this file's own.
  stack = await startTestStack({
    RISK_VELOCITY_WINDOW: '1h',
    RISK_MAX_ORDERS_PER_CUSTOMER: '5',
    RISK_MAX_ORDERS_PER_ADDRESS: '5',
  });
  await stack.startWorker();
  sku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 500 }] });
});
afterAll(async () => {
  await stack?.close();
});

type Address = PlaceOrder['shippingAddress'];

/** An address no other test uses, on a street named after the tag. */
const doorOf = (tag: string): Address => ({
  recipient: 'Risk Tester',
  phone: '+49 30 7654321',
  country: 'DE',
  region: 'Berlin',
  city: 'Berlin',
  line1: `Rosenweg ${tag} 7`,
  line2: 'Hinterhaus',
  postalCode: '10117',
});

/** A small order (never large enough for a review of its own) from the customer with `email` to `address`. */
async function place(email: string, address: Address, quantity = 1) {
  const body = orderRequest([{ sku, quantity }], {
    customer: { name: 'Risk Tester', email, phone: '+49 30 7654321' },
    shippingAddress: address,
  });
  const placed = await postOrder(stack.app, body);
  expect(placed.statusCode, placed.body).toBe(201);
  return placed.json() as { id: string; review: { required: boolean; reasons: string[] } };
}

async function alertsOf(orderId: string) {
  const response = await stack.app.inject({
    method: 'GET',
    url: '/v1/staff-alerts',
    query: { orderId, kind: 'order_flagged' },
    headers: asSupport,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Array<Record<string, unknown>>;
}

async function list(query: Record<string, string>, headers = asSupport) {
  return stack.app.inject({ method: 'GET', url: '/v1/orders', query, headers });
}

const notReviewed = { required: false, reasons: [] };

/** Places five small orders of one customer to five different doors, then a sixth; returns their ids. */
async function sixOrdersOfOneCustomer(tag: string) {
  const email = `velocity-${tag.toLowerCase()}@example.com`;
  const first = [];
  for (let i = 1; i <= 5; i += 1) first.push(await place(email, doorOf(`${tag}-${i}`)));
  return { email, first, sixth: await place(email, doorOf(`${tag}-6`)) };
}

describe('orders from one customer in a short time', () => {
  let fifth: string;
  let sixth: string;

  it('holds the sixth order within the window for review and flags it suspicious_order; the fifth goes through', async () => {
    const placed = await sixOrdersOfOneCustomer(uniqueTag());
    expect(placed.first.map((order) => order.review)).toEqual(Array(5).fill(notReviewed));
    expect(placed.sixth.review).toEqual({ required: true, reasons: ['many_recent_orders'] });
    fifth = placed.first[4]!.id;
    sixth = placed.sixth.id;

    await payInFull(stack.app, fifth);
    await payInFull(stack.app, sixth);
    expect((await waitForStatus(stack.app, fifth, 'ready_to_ship')).flags).toEqual([]);
    await waitForStatus(stack.app, sixth, 'awaiting_confirmation');
    await expect
      .poll(async () => (await getOrder(stack.app, sixth)).flags, { timeout: 15_000 })
      .toEqual(['suspicious_order']);

    const flag = (await getTimeline(stack.app, sixth)).filter((entry) => entry.kind === 'flag');
    expect(flag).toEqual([
      expect.objectContaining({
        kind: 'flag',
        name: 'suspicious_order',
        status: 'awaiting_confirmation',
        reason: 'many_recent_orders',
        detail: { reasons: ['many_recent_orders'], total: expect.any(Number), currency: 'EUR' },
      }),
    ]);
    const [row] = await stack.db
      .select({ flags: orders.flags })
      .from(orders)
      .where(inArray(orders.id, [sixth]));
    expect(row).toEqual({ flags: ['suspicious_order'] });
    await expect.poll(async () => (await alertsOf(sixth)).length, { timeout: 15_000 }).toBe(1);
    expect(await alertsOf(sixth)).toEqual([
      {
        id: expect.any(Number),
        kind: 'order_flagged',
        orderId: sixth,
        subject: `Order ${sixth} flagged: suspicious_order`,
        detail: {
          flag: 'suspicious_order',
          status: 'awaiting_confirmation',
          reason: 'many_recent_orders',
          reasons: ['many_recent_orders'],
          total: flag[0]!.detail!.total,
          currency: 'EUR',
        },
        dedupeKey: `flag:${sixth}:suspicious_order:${flag[0]!.seq}`,
        sentAt: expect.any(String),
      },
    ]);
    const description = await stack.client.workflow.getHandle(orderWorkflowId(sixth)).describe();
    expect(description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'Flagged')?.value).toBe(true);
    await waitUntilIdle(stack.client, [fifth]);
    expect(await alertsOf(fifth)).toEqual([]);
  });

  it('lists exactly the flagged orders for support, by flag or by any flag', async () => {
    const { customerId } = await getOrder(stack.app, sixth);
    const ids = async (query: Record<string, string>, headers = asSupport) => {
      const response = await list({ customerId: customerId!, ...query }, headers);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as Array<{ id: string; flags: string[] }>).map((item) => [item.id, item.flags]);
    };
    expect(await ids({ flagged: 'true' })).toEqual([[sixth, ['suspicious_order']]]);
    expect(await ids({ flag: 'suspicious_order' })).toEqual([[sixth, ['suspicious_order']]]);
    expect(await ids({ flag: 'chargeback, suspicious_order' })).toEqual([[sixth, ['suspicious_order']]]);
    expect(await ids({ flag: 'chargeback' })).toEqual([]);
    const unflagged = await ids({ flagged: 'false' });
    expect(unflagged).toHaveLength(5);
    expect(unflagged.map(([, flags]) => flags)).toEqual(Array(5).fill([]));
    expect(unflagged.map(([id]) => id)).toContain(fifth);
    // A service filters only the orders it placed, like every listing: the placing service sees it, another does not.
    expect(await ids({ flagged: 'true' }, asService)).toEqual([[sixth, ['suspicious_order']]]);
    expect(await ids({ flagged: 'true' }, asMarketplace)).toEqual([]);

    const bad = await list({ flag: 'chargeback,Not A Flag' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'flag' })]);
    const notBoolean = await list({ flagged: 'yes' });
    expect(notBoolean.statusCode).toBe(400);
    expect(notBoolean.json().errors).toEqual([expect.objectContaining({ path: 'flagged' })]);
  });

  it('an edit neither trips the rules for the order itself nor clears the reason it was held for', async () => {
    const tag = uniqueTag();
    const { first, sixth: held } = await sixOrdersOfOneCustomer(tag);
    const edit = (orderId: string) =>
      stack.app.inject({
        method: 'PATCH',
        url: `/v1/orders/${orderId}`,
        headers: asSupport,
        payload: { requestedBy: 'sam@support', reason: 'one more', lines: [{ sku, quantity: 2 }] },
      });
    for (const orderId of [first[0]!.id, held.id]) {
      await waitForStatus(stack.app, orderId, 'awaiting_payment');
      const edited = await edit(orderId);
      expect(edited.statusCode, edited.body).toBe(200);
    }
    // Five orders came after the first, yet it was placed as the customer's first in the window.
    expect((await getOrder(stack.app, first[0]!.id)).review).toEqual(notReviewed);
    expect((await getOrder(stack.app, held.id)).review).toEqual({ required: true, reasons: ['many_recent_orders'] });
  });
});

describe('orders to one address in a short time', () => {
  it('counts one door however it is written, across customers', async () => {
    const tag = uniqueTag();
    const door = doorOf(tag);
    const spellings: Address[] = [
      door,
      { ...door, line1: `rosenweg ${tag.toLowerCase()}  7`, recipient: 'Someone Else' },
      { ...door, line1: `ROSENWEG-${tag} 7.`, city: 'BERLIN', line2: 'hinterhaus' },
      { ...door, postalCode: '10 117', region: 'BE', phone: '+49 30 1111111' },
      { ...door, line1: `Rosenweg, ${tag}, 7`, line2: 'Hinter-Haus' },
    ];
    const placed = [];
    for (const [i, address] of spellings.entries())
      placed.push(await place(`door-${i}-${tag.toLowerCase()}@example.com`, address));
    expect(placed.map((order) => order.review)).toEqual(Array(5).fill(notReviewed));

    // Another door on the same street is not this one.
    const nextDoor = await place(`door-next-${tag.toLowerCase()}@example.com`, { ...door, line1: `Rosenweg ${tag} 9` });
    expect(nextDoor.review).toEqual(notReviewed);
    const sixth = await place(`door-6-${tag.toLowerCase()}@example.com`, { ...door, city: ' berlin ' });
    expect(sixth.review).toEqual({ required: true, reasons: ['many_orders_to_address'] });

    await payInFull(stack.app, sixth.id);
    await waitForStatus(stack.app, sixth.id, 'awaiting_confirmation');
    await expect.poll(async () => (await alertsOf(sixth.id)).length, { timeout: 15_000 }).toBe(1);
    expect((await getOrder(stack.app, sixth.id)).flags).toEqual(['suspicious_order']);
    expect((await getTimeline(stack.app, sixth.id)).find((entry) => entry.kind === 'flag')).toMatchObject({
      name: 'suspicious_order',
      reason: 'many_orders_to_address',
    });
  });
});

describe('the velocity window', () => {
  it('resets: orders placed before the window count for neither rule', async () => {
    const tag = uniqueTag();
    const email = `window-${tag.toLowerCase()}@example.com`;
    const door = doorOf(tag);
    const earlier = [];
    for (let i = 0; i < 5; i += 1) earlier.push((await place(email, door)).id);
    // As if placed 61 minutes ago: just outside the one-hour window.
    await stack.db
      .update(orders)
      .set({ createdAt: sql`now() - interval '61 minutes'` })
      .where(inArray(orders.id, earlier));
    expect((await place(email, door)).review).toEqual(notReviewed);
  });
});

describe('a large first order', () => {
  it('is held for review and flagged suspicious_order; a review for many units alone is not flagged', async () => {
    const expensive = await createProduct(stack.db, { priceMinor: 60_000, lots: [{ onHand: 5 }] });
    const tag = uniqueTag();
    const placed = await postOrder(
      stack.app,
      orderRequest([{ sku: expensive, quantity: 1 }], { shippingAddress: doorOf(tag) }),
    );
    expect(placed.statusCode, placed.body).toBe(201);
    const { id, review } = placed.json() as { id: string; review: unknown };
    expect(review).toEqual({ required: true, reasons: ['large_first_order'] });
    const bulky = await place(`bulk-${tag.toLowerCase()}@example.com`, doorOf(`${tag}-B`), 21);
    expect(bulky.review).toEqual({ required: true, reasons: ['many_units_of_one_sku'] });

    await payInFull(stack.app, id);
    await payInFull(stack.app, bulky.id);
    await waitForStatus(stack.app, id, 'awaiting_confirmation');
    await waitForStatus(stack.app, bulky.id, 'awaiting_confirmation');
    await expect.poll(async () => (await alertsOf(id)).length, { timeout: 15_000 }).toBe(1);
    expect((await getOrder(stack.app, id)).flags).toEqual(['suspicious_order']);
    expect((await getTimeline(stack.app, id)).find((entry) => entry.kind === 'flag')).toMatchObject({
      name: 'suspicious_order',
      status: 'awaiting_confirmation',
      reason: 'large_first_order',
    });
    await waitUntilIdle(stack.client, [bulky.id]);
    expect((await getOrder(stack.app, bulky.id)).flags).toEqual([]);
    expect(await alertsOf(bulky.id)).toEqual([]);

    const cancelled = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${id}/cancel`,
      headers: asSupport,
      payload: { reason: 'could not reach the customer', requestedBy: 'sam' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await stack.client.workflow.getHandle(orderWorkflowId(id)).result();
    expect((await getOrder(stack.app, id)).status).toBe('cancelled');
  });
});
