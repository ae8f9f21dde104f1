import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents, orders } from '../../db/schema.js';
import { CUSTOMERS } from '../../db/seed-data.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import {
  asAdmin,
  asService,
  asSupport,
  getTimeline,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Entry = [kind: 'milestone' | 'note' | 'flag', name: string, status: string, reason?: string, detail?: object];
type Seeded = { customer: string; type?: 'regular' | 'urgent'; channel?: 'phone' | 'email'; timeline: Entry[] };

const hour = 3_600_000;
// A day nobody else's tests place orders on: every seeded order sits inside it (one just after its end).
const day = Date.UTC(2017, 8, 13);
const iso = (ms: number) => new Date(ms).toISOString();
const [ada, grace, alan, linus] = CUSTOMERS.slice(0, 4).map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];

const received: Entry = ['milestone', 'order_received', 'received'];
const reserved: Entry = ['milestone', 'stock_reserved', 'awaiting_payment'];
const paid: Entry = ['milestone', 'payment_captured', 'confirmed'];
const short: Entry = ['milestone', 'stock_short', 'awaiting_shortage_decision'];
const cancelled = (reason: string, detail?: object): Entry => [
  'milestone',
  'order_cancelled',
  'cancelled',
  reason,
  detail,
];

// Order i is placed at day + i hours; the comment says how it turned out.
const SEEDED: Seeded[] = [
  // A: completed, its parcel late on the way.
  {
    customer: ada,
    timeline: [
      received,
      reserved,
      paid,
      ['milestone', 'shipment_booked', 'ready_to_ship'],
      ['milestone', 'parcel_picked_up', 'shipped'],
      ['flag', 'parcel_late', 'shipped'],
      ['milestone', 'parcel_delivered', 'delivered'],
      ['milestone', 'order_completed', 'completed', 'windows_closed'],
    ],
  },
  // B: delivered, then returned.
  {
    customer: ada,
    timeline: [
      received,
      reserved,
      paid,
      ['milestone', 'parcel_picked_up', 'shipped'],
      ['milestone', 'parcel_delivered', 'delivered'],
      ['note', 'return_requested', 'delivered'],
      ['milestone', 'order_returned', 'returned', 'arrived damaged'],
    ],
  },
  // C: held for a bad address that was never corrected.
  {
    customer: grace,
    timeline: [received, ['milestone', 'order_on_hold', 'on_hold'], cancelled('info_not_corrected')],
  },
  // D: two failed payments, then the payment deadline.
  {
    customer: alan,
    timeline: [
      received,
      reserved,
      ['note', 'payment_failed', 'awaiting_payment', 'card_declined'],
      ['note', 'payment_failed', 'awaiting_payment', 'insufficient_funds'],
      cancelled('payment_timeout'),
    ],
  },
  // E: short, shipped in part.
  {
    customer: grace,
    timeline: [received, short, ['note', 'order_split', 'awaiting_payment'], paid],
  },
  // F: short, nobody decided.
  { customer: ada, timeline: [received, short, cancelled('shortage_undecided')] },
  // G: urgent, cancelled by support after payment.
  {
    customer: alan,
    type: 'urgent',
    timeline: [received, reserved, paid, cancelled('customer changed mind', { requestedBy: 'alice' })],
  },
  // H: by e-mail, short and substituted, one failed payment, its production job late.
  {
    customer: grace,
    channel: 'email',
    timeline: [
      received,
      short,
      ['note', 'products_substituted', 'awaiting_payment'],
      ['note', 'payment_failed', 'awaiting_payment', 'card_declined'],
      paid,
      ['flag', 'production_late', 'confirmed'],
    ],
  },
  // J: short, back-ordered, the restock never came.
  {
    customer: linus,
    timeline: [received, short, ['note', 'backordered', 'awaiting_shortage_decision'], cancelled('restock_timeout')],
  },
  // L: short, support decided to cancel.
  { customer: grace, timeline: [received, short, cancelled('shortage_cancel')] },
  // M: the payment deadline.
  { customer: grace, timeline: [received, reserved, cancelled('payment_timeout')] },
  // I: placed exactly at the end of the day (outside it): a hold, then cancelled by support.
  {
    customer: alan,
    timeline: [
      received,
      ['milestone', 'order_on_hold', 'on_hold'],
      cancelled('duplicate order', { requestedBy: 'bob' }),
    ],
  },
];

let stack: TestStack;

async function seedOrder(order: Seeded, at: number): Promise<void> {
  const id = `ord_${ulid(at)}`;
  const status = order.timeline.at(-1)![2];
  await stack.db.insert(orders).values({
    id,
    status,
    type: order.type ?? 'regular',
    channel: order.channel ?? 'phone',
    customerId: order.customer,
    request: orderRequest([{ sku: 'TEA-001', quantity: 1 }]),
    pricing: {} as never,
    total: 1_000,
    currency: 'EUR',
    requestHash: id,
    createdAt: new Date(at),
    updatedAt: new Date(at),
  });
  await stack.db.insert(orderEvents).values(
    order.timeline.map(([kind, name, entryStatus, reason, detail], index) => ({
      orderId: id,
      seq: index + 1,
      kind,
      name,
      status: entryStatus,
      actor: 'orchestrator',
      reason: reason ?? null,
      detail: (detail ?? null) as Record<string, unknown> | null,
      at: new Date(at + index * 60_000),
    })),
  );
}

async function analytics(route: string, query: Record<string, string>, headers = asSupport) {
  const response = await stack.app.inject({ method: 'GET', url: `/v1/analytics/${route}`, query, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

beforeAll(async () => {
  stack = await startTestStack({
    POLICY_PAYMENT_TIMEOUT: '5s',
    POLICY_RETURN_WINDOW: '1s',
    POLICY_SURVEY_WINDOW: '1s',
    POLICY_DELIVERY_GRACE: '1h',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
  for (const [index, order] of SEEDED.entries()) await seedOrder(order, day + (index === 11 ? 24 : index) * hour);
});
afterAll(() => stack.close());

const theDay = { from: iso(day), to: iso(day + 24 * hour) };

describe('seeded timelines with known outcomes', () => {
  it('funnel counts the orders placed in the window that reached each step', async () => {
    expect(await analytics('funnel', theDay)).toEqual({
      placed: 11,
      paid: 5,
      shipped: 2,
      delivered: 2,
      completed: 1,
      cancelled: 7,
      returned: 1,
      failed: 0,
      rates: {
        paid: 0.4545,
        shipped: 0.1818,
        delivered: 0.1818,
        completed: 0.0909,
        cancelled: 0.6364,
        returned: 0.0909,
        failed: 0,
      },
    });
  });

  it('exceptions count each order once, rate it over the orders placed, and break down shortages and cancellations', async () => {
    const one = { count: 1, rate: 0.0909 };
    expect(await analytics('exceptions', theDay)).toEqual({
      placed: 11,
      holds: one,
      shortages: {
        count: 5,
        rate: 0.4545,
        byDecision: {
          partial_ship: one,
          substitute: one,
          wait_restock: one,
          cancel: one,
          undecided: one,
          none: { count: 0, rate: 0 },
        },
      },
      paymentFailures: { count: 2, rate: 0.1818, events: 3 },
      cancellations: {
        count: 7,
        rate: 0.6364,
        byReason: [
          { label: 'payment_timeout', count: 2, rate: 0.1818 },
          { label: 'info_not_corrected', ...one },
          { label: 'restock_timeout', ...one },
          { label: 'shortage_cancel', ...one },
          { label: 'shortage_undecided', ...one },
          { label: 'support', ...one },
        ],
        bySupportReason: [{ label: 'customer changed mind', ...one }],
        byStage: [
          { label: 'awaiting_shortage_decision', count: 3, rate: 0.2727 },
          { label: 'awaiting_payment', count: 2, rate: 0.1818 },
          { label: 'confirmed', ...one },
          { label: 'on_hold', ...one },
        ],
      },
      returns: one,
      lateParcels: one,
      lateProductionJobs: one,
    });
  });

  it('customers counts distinct customers and those with two or more orders in the window', async () => {
    expect(await analytics('customers', theDay)).toEqual({ customers: 4, repeatCustomers: 3, repeatShare: 0.75 });
  });

  it('the filters change every answer exactly', async () => {
    // The first six hours: A to F.
    const morning = { from: iso(day), to: iso(day + 6 * hour) };
    expect(await analytics('customers', morning)).toEqual({ customers: 3, repeatCustomers: 2, repeatShare: 0.6667 });
    expect(await analytics('funnel', morning)).toMatchObject({ placed: 6, paid: 3, cancelled: 3, completed: 1 });
    expect((await analytics('exceptions', morning)).cancellations.byReason).toEqual([
      { label: 'info_not_corrected', count: 1, rate: 0.1667 },
      { label: 'payment_timeout', count: 1, rate: 0.1667 },
      { label: 'shortage_undecided', count: 1, rate: 0.1667 },
    ]);

    // By e-mail: H alone.
    const byEmail = { ...theDay, channel: 'email' };
    expect(await analytics('funnel', byEmail)).toMatchObject({ placed: 1, paid: 1, cancelled: 0 });
    expect(await analytics('exceptions', byEmail)).toMatchObject({
      placed: 1,
      shortages: { count: 1, rate: 1, byDecision: { substitute: { count: 1, rate: 1 }, partial_ship: { count: 0 } } },
      paymentFailures: { count: 1, rate: 1, events: 1 },
      lateProductionJobs: { count: 1, rate: 1 },
      cancellations: { count: 0, byReason: [], byStage: [] },
    });
    expect(await analytics('customers', byEmail)).toEqual({ customers: 1, repeatCustomers: 0, repeatShare: 0 });

    // Urgent: G alone, cancelled by support once paid.
    const urgent = { ...theDay, type: 'urgent' };
    expect(await analytics('exceptions', urgent)).toMatchObject({
      placed: 1,
      cancellations: {
        count: 1,
        rate: 1,
        byReason: [{ label: 'support', count: 1, rate: 1 }],
        bySupportReason: [{ label: 'customer changed mind', count: 1, rate: 1 }],
        byStage: [{ label: 'confirmed', count: 1, rate: 1 }],
      },
    });

    // `to` is exclusive: I, placed at the very end of the day, counts only once the window reaches past it.
    const twoDays = { from: iso(day), to: iso(day + 24 * hour + 1) };
    expect(await analytics('funnel', twoDays)).toMatchObject({ placed: 12, cancelled: 8 });
    const exceptions = await analytics('exceptions', twoDays, asAdmin);
    expect(exceptions.holds).toEqual({ count: 2, rate: 0.1667 });
    expect(exceptions.cancellations.bySupportReason).toEqual([
      { label: 'customer changed mind', count: 1, rate: 0.0833 },
      { label: 'duplicate order', count: 1, rate: 0.0833 },
    ]);
    expect(await analytics('customers', twoDays)).toEqual({ customers: 4, repeatCustomers: 3, repeatShare: 0.75 });

    // An empty window answers zeros, not a division by zero.
    const none = { from: iso(day - 24 * hour), to: iso(day) };
    expect(await analytics('customers', none)).toEqual({ customers: 0, repeatCustomers: 0, repeatShare: 0 });
    expect((await analytics('funnel', none)).rates.paid).toBe(0);
    expect((await analytics('exceptions', none)).holds).toEqual({ count: 0, rate: 0 });
  });
});

describe('orders driven through the stack', () => {
  it('a completed order, one cancelled by the payment deadline and one cancelled by support show up exactly', async () => {
    const since = { from: new Date(Date.now() - 1_000).toISOString(), channel: 'mini_program' };
    const sku = await createProduct(stack.db, { lots: [{ onHand: 10 }] });
    const buyer = orderRequest([{ sku, quantity: 1 }]).customer;
    const place = async (customer = buyer) => {
      const response = await postOrder(
        stack.app,
        orderRequest([{ sku, quantity: 1 }], { channel: 'mini_program', customer }),
      );
      expect(response.statusCode, response.body).toBe(201);
      return response.json().id as string;
    };
    const [done, timedOut, cancelledBySupport] = [await place(), await place(), await place(orderRequest([]).customer)];

    await payInFull(stack.app, done);
    const ready = await waitForStatus(stack.app, done, 'ready_to_ship');
    await waitForStatus(stack.app, cancelledBySupport, 'awaiting_payment');
    const cancel = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${cancelledBySupport}/cancel`,
      headers: asSupport,
      payload: { reason: 'customer asked by phone', requestedBy: 'agent-7' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up');
    await sendCarrierWebhook(stack.app, ready.shipment!, 'delivered');
    await waitForStatus(stack.app, done, 'completed');
    await waitForStatus(stack.app, timedOut, 'cancelled');
    // Both cancellations came while the order waited for its payment, as their timelines say.
    for (const id of [timedOut, cancelledBySupport]) {
      const timeline = await getTimeline(stack.app, id);
      const at = timeline.findIndex((entry) => entry.name === 'order_cancelled');
      expect(timeline[at - 1]?.status).toBe('awaiting_payment');
    }

    expect(await analytics('funnel', since)).toEqual({
      placed: 3,
      paid: 1,
      shipped: 1,
      delivered: 1,
      completed: 1,
      cancelled: 2,
      returned: 0,
      failed: 0,
      rates: {
        paid: 0.3333,
        shipped: 0.3333,
        delivered: 0.3333,
        completed: 0.3333,
        cancelled: 0.6667,
        returned: 0,
        failed: 0,
      },
    });
    const exceptions = await analytics('exceptions', since);
    expect(exceptions).toMatchObject({
      placed: 3,
      holds: { count: 0 },
      shortages: { count: 0 },
      paymentFailures: { count: 0, events: 0 },
      returns: { count: 0 },
      lateParcels: { count: 0 },
      lateProductionJobs: { count: 0 },
    });
    expect(exceptions.cancellations).toEqual({
      count: 2,
      rate: 0.6667,
      byReason: [
        { label: 'payment_timeout', count: 1, rate: 0.3333 },
        { label: 'support', count: 1, rate: 0.3333 },
      ],
      bySupportReason: [{ label: 'customer asked by phone', count: 1, rate: 0.3333 }],
      byStage: [{ label: 'awaiting_payment', count: 2, rate: 0.6667 }],
    });
    expect(await analytics('customers', since)).toEqual({ customers: 2, repeatCustomers: 1, repeatShare: 0.5 });
  });
});

describe('refusals', () => {
  it('answers 400 naming the field for a bad query', async () => {
    for (const route of ['funnel', 'exceptions', 'customers']) {
      const bad = await stack.app.inject({
        method: 'GET',
        url: `/v1/analytics/${route}`,
        query: { from: 'yesterday', channel: 'fax' },
        headers: asSupport,
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(bad.body).toMatch(/from/);
      expect(bad.body).toMatch(/channel/);
      const backwards = await stack.app.inject({
        method: 'GET',
        url: `/v1/analytics/${route}`,
        query: { from: theDay.to, to: theDay.from },
        headers: asSupport,
      });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.body).toMatch(/to/);
    }
  });

  it('refuses a service key with 403', async () => {
    for (const route of ['funnel', 'exceptions', 'customers']) {
      const response = await stack.app.inject({ method: 'GET', url: `/v1/analytics/${route}`, headers: asService });
      expect(response.statusCode).toBe(403);
    }
  });
});
