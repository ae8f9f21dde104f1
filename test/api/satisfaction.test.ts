import { eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSurveyActivities } from '../../activities/surveys.js';
import { followUps, notifications, orders, surveys } from '../../db/schema.js';
import { CUSTOMERS } from '../../db/seed-data.js';
import type { Channel } from '../../domain/order-schema.js';
import { createSandboxNotifier } from '../../sandbox/notifier.js';
import { createSandboxStaffNotifier } from '../../sandbox/staff-notifier.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import {
  asAdmin,
  asService,
  asSupport,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Ratings = { product: number; delivery: number; service: number };
type Seeded = { channel?: Channel; type?: 'regular' | 'urgent'; placedAt: number; answer?: [at: string, Ratings] };

const hour = 3_600_000;
// Days nobody else's tests place orders on; the answers straddle a year end, where ISO weeks keep the old year.
const day = Date.UTC(2015, 11, 28);
const iso = (ms: number) => new Date(ms).toISOString();
const r = (product: number, delivery: number, service: number): Ratings => ({ product, delivery, service });

const SEEDED: Record<string, Seeded> = {
  // 2015-W53 runs Monday 2015-12-28 to Sunday 2016-01-03.
  A: { placedAt: day, answer: ['2015-12-29T10:00:00Z', r(5, 4, 5)] },
  B: { placedAt: day + hour, answer: ['2016-01-03T23:59:59Z', r(4, 2, 3)] },
  // 2016-W01 starts Monday 2016-01-04.
  C: { placedAt: day + 2 * hour, channel: 'app', type: 'urgent', answer: ['2016-01-04T00:00:00Z', r(3, 3, 3)] },
  D: { placedAt: day + 3 * hour, channel: 'phone', answer: ['2016-01-05T12:00:00Z', r(1, 5, 4)] },
  E: { placedAt: day + 4 * hour, answer: ['2016-01-12T08:00:00Z', r(5, 5, 4)] },
  F: { placedAt: day + 5 * hour },
  G: { placedAt: day + 6 * hour, answer: ['2016-01-06T09:30:00Z', r(3, 5, 4)] },
  // Placed just outside the window on either side: never counted.
  before: { placedAt: day - 1, answer: ['2016-01-05T00:00:00Z', r(1, 1, 1)] },
  after: { placedAt: day + 72 * hour, answer: ['2016-01-05T00:00:00Z', r(1, 1, 1)] },
};
const window = { from: iso(day), to: iso(day + 72 * hour) };

let stack: TestStack;

async function seed(order: Seeded): Promise<string> {
  const id = `ord_${ulid(order.placedAt)}`;
  await stack.db.insert(orders).values({
    id,
    status: order.answer ? 'completed' : 'delivered',
    type: order.type ?? 'regular',
    channel: order.channel ?? 'web',
    customerId: CUSTOMERS[0]!.id,
    request: orderRequest([{ sku: 'TEA-001', quantity: 1 }]),
    pricing: {} as never,
    total: 1_000,
    currency: 'EUR',
    requestHash: id,
    createdAt: new Date(order.placedAt),
    updatedAt: new Date(order.placedAt),
  });
  const [at, ratings] = order.answer ?? [null, null];
  await stack.db.insert(surveys).values({
    orderId: id,
    channel: 'email',
    sentAt: new Date(order.placedAt + 2 * 86_400_000),
    respondedAt: at ? new Date(at) : null,
    productRating: ratings?.product ?? null,
    deliveryRating: ratings?.delivery ?? null,
    serviceRating: ratings?.service ?? null,
  });
  return id;
}

async function satisfaction(query: Record<string, string>, headers = asSupport) {
  const response = await stack.app.inject({ method: 'GET', url: '/v1/analytics/satisfaction', query, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function listFollowUps(query: Record<string, string> = {}, headers = asSupport) {
  const response = await stack.app.inject({ method: 'GET', url: '/v1/follow-ups', query, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    items: Array<{ id: number; orderId: string; status: string }>;
    nextCursor: string | null;
  };
}

function patchFollowUp(id: number | string, payload: object, headers = asSupport) {
  return stack.app.inject({ method: 'PATCH', url: `/v1/follow-ups/${id}`, payload, headers });
}

/** The ISO week of an instant in UTC, computed apart from Postgres: the week's Thursday names its year. */
function isoWeek(at: Date): string {
  const thursday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The survey's channel as stored, with each survey message sent for the order: its channel and recipient. */
async function surveyMessages(orderId: string) {
  const [survey] = await stack.db
    .select({ channel: surveys.channel })
    .from(surveys)
    .where(eq(surveys.orderId, orderId));
  const sent = await stack.db
    .select({ channel: notifications.channel, recipient: notifications.recipient })
    .from(notifications)
    .where(eq(notifications.dedupeKey, `survey:${orderId}`));
  expect(sent.every((message) => message.channel === survey?.channel)).toBe(true);
  return sent;
}

/** Places an order on `channel` and drives it through payment and the carrier's webhooks to delivery. */
async function deliverOrder(channel: Channel): Promise<string> {
  const sku = await createProduct(stack.db, { priceMinor: 1_500, lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { channel }));
  expect(placed.statusCode, placed.body).toBe(201);
  const orderId = placed.json().id as string;
  await payInFull(stack.app, orderId);
  const { shipment } = await waitForStatus(stack.app, orderId, 'ready_to_ship');
  expect((await sendCarrierWebhook(stack.app, shipment!, 'picked_up')).statusCode).toBe(202);
  await waitForStatus(stack.app, orderId, 'shipped');
  expect((await sendCarrierWebhook(stack.app, shipment!, 'delivered')).statusCode).toBe(202);
  await waitForStatus(stack.app, orderId, 'delivered');
  await expect
    .poll(async () => (await stack.db.select().from(surveys).where(eq(surveys.orderId, orderId))).length)
    .toBe(1);
  return orderId;
}

beforeAll(async () => {
  stack = await startTestStack({
    POLICY_SURVEY_WINDOW: '2m',
    POLICY_RETURN_WINDOW: '1s',
    POLICY_DELIVERY_GRACE: '1h',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
  for (const order of Object.values(SEEDED)) await seed(order);
});
afterAll(() => stack.close());

describe('GET /v1/analytics/satisfaction over seeded answers', () => {
  it('averages each dimension over the answered surveys of orders placed in the window, and per ISO week', async () => {
    expect(await satisfaction(window)).toEqual({
      surveysSent: 7,
      responses: 6,
      lowRatings: 2,
      // product 21/6, delivery 24/6, service 23/6
      averages: { product: 3.5, delivery: 4, service: 3.83 },
      weeks: [
        { week: '2015-W53', responses: 2, lowRatings: 1, averages: { product: 4.5, delivery: 3, service: 4 } },
        // product 7/3, delivery 13/3, service 11/3
        { week: '2016-W01', responses: 3, lowRatings: 1, averages: { product: 2.33, delivery: 4.33, service: 3.67 } },
        { week: '2016-W02', responses: 1, lowRatings: 0, averages: { product: 5, delivery: 5, service: 4 } },
      ],
    });
  });

  it('narrows to the orders each filter selects', async () => {
    expect(await satisfaction({ ...window, channel: 'app' })).toEqual({
      surveysSent: 1,
      responses: 1,
      lowRatings: 0,
      averages: { product: 3, delivery: 3, service: 3 },
      weeks: [{ week: '2016-W01', responses: 1, lowRatings: 0, averages: { product: 3, delivery: 3, service: 3 } }],
    });
    expect((await satisfaction({ ...window, type: 'urgent' })).averages).toEqual({
      product: 3,
      delivery: 3,
      service: 3,
    });
    expect(await satisfaction({ ...window, channel: 'phone' })).toMatchObject({
      responses: 1,
      lowRatings: 1,
      averages: { product: 1, delivery: 5, service: 4 },
    });
    // From D on: D, E, F (unanswered) and G.
    expect(await satisfaction({ from: iso(day + 3 * hour), to: window.to })).toEqual({
      surveysSent: 4,
      responses: 3,
      lowRatings: 1,
      averages: { product: 3, delivery: 5, service: 4 },
      weeks: [
        { week: '2016-W01', responses: 2, lowRatings: 1, averages: { product: 2, delivery: 5, service: 4 } },
        { week: '2016-W02', responses: 1, lowRatings: 0, averages: { product: 5, delivery: 5, service: 4 } },
      ],
    });
    // The order placed one millisecond before the window opens is the only one before it.
    expect(await satisfaction({ from: iso(day - hour), to: window.from })).toMatchObject({
      responses: 1,
      averages: { product: 1, delivery: 1, service: 1 },
    });
  });

  it('answers nulls and no weeks for a window without answers', async () => {
    expect(await satisfaction({ from: iso(day - 10 * 86_400_000), to: iso(day - 9 * 86_400_000) })).toEqual({
      surveysSent: 0,
      responses: 0,
      lowRatings: 0,
      averages: { product: null, delivery: null, service: null },
      weeks: [],
    });
  });

  it('refuses a bad query with 400 naming the field, and a service key with 403', async () => {
    for (const [query, field] of [
      [{ from: 'yesterday' }, 'from'],
      [{ from: window.to, to: window.from }, 'to'],
      [{ channel: 'fax' }, 'channel'],
      [{ week: '2016-W01' }, ''],
    ] as const) {
      const response = await stack.app.inject({
        method: 'GET',
        url: '/v1/analytics/satisfaction',
        query,
        headers: asSupport,
      });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      if (field) expect(response.json().errors).toEqual([expect.objectContaining({ path: field })]);
    }
    const service = await stack.app.inject({ method: 'GET', url: '/v1/analytics/satisfaction', headers: asService });
    expect(service.statusCode).toBe(403);
    expect((await satisfaction(window, asAdmin)).responses).toBe(6);
  });
});

describe('follow-ups of low ratings', () => {
  it('a retried feedback activity records the answer and opens the follow-up once', async () => {
    const orderId = await seed({ placedAt: day + 7 * hour });
    const activities = createSurveyActivities({
      db: stack.db,
      notifier: createSandboxNotifier(stack.db),
      staffNotifier: createSandboxStaffNotifier(stack.db),
    });
    const answer = { orderId, ratings: r(4, 4, 2), comment: 'cold tea', submittedAt: '2016-01-07T10:00:00Z' };
    expect(await activities.recordFeedback(answer)).toEqual({ recorded: true });
    expect(await activities.recordFeedback(answer)).toEqual({ recorded: false });
    expect(await stack.db.select().from(followUps).where(eq(followUps.orderId, orderId))).toEqual([
      expect.objectContaining({
        reason: 'low_rating',
        ratings: r(4, 4, 2),
        comment: 'cold tea',
        status: 'open',
        owner: null,
        updatedBy: null,
        openedAt: new Date('2016-01-07T10:00:00Z'),
        resolvedAt: null,
      }),
    ]);

    const fine = await seed({ placedAt: day + 8 * hour });
    expect(await activities.recordFeedback({ ...answer, orderId: fine, ratings: r(3, 3, 3) })).toEqual({
      recorded: true,
    });
    expect(await stack.db.select().from(followUps).where(eq(followUps.orderId, fine))).toEqual([]);
  });

  it('a real order answered with a 1 opens one follow-up that support lists, takes and resolves', async () => {
    const since = new Date().toISOString();
    const orderId = await deliverOrder('app');
    const feedback = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/feedback`,
      headers: asService,
      payload: { ratings: { product: 1, delivery: 4, service: 5 }, comment: 'broken lid' },
    });
    expect(feedback.statusCode, feedback.body).toBe(202);
    // Placed on the app: the survey went out online, to the customer's account.
    const [order] = await stack.db.select().from(orders).where(eq(orders.id, orderId));
    expect(await surveyMessages(orderId)).toEqual([{ channel: 'online', recipient: order!.customerId }]);

    await expect
      .poll(async () => (await listFollowUps({ status: 'open', limit: '100' })).items.map((item) => item.orderId))
      .toContain(orderId);
    const rows = await stack.db.select().from(followUps).where(eq(followUps.orderId, orderId));
    expect(rows).toHaveLength(1);
    const { id } = rows[0]!;
    const [survey] = await stack.db.select().from(surveys).where(eq(surveys.orderId, orderId));
    const listed = (await listFollowUps({ status: 'open', limit: '100' })).items.find((item) => item.id === id);
    expect(listed).toEqual({
      id,
      orderId,
      reason: 'low_rating',
      ratings: { product: 1, delivery: 4, service: 5 },
      comment: 'broken lid',
      status: 'open',
      owner: null,
      note: null,
      updatedBy: null,
      openedAt: survey!.respondedAt!.toISOString(),
      updatedAt: survey!.respondedAt!.toISOString(),
      resolvedAt: null,
    });

    // The real answer feeds the analytics: orders placed on the app since this test began.
    expect(await satisfaction({ from: since, channel: 'app' })).toEqual({
      surveysSent: 1,
      responses: 1,
      lowRatings: 1,
      averages: { product: 1, delivery: 4, service: 5 },
      weeks: [
        {
          week: isoWeek(survey!.respondedAt!),
          responses: 1,
          lowRatings: 1,
          averages: { product: 1, delivery: 4, service: 5 },
        },
      ],
    });

    const taken = await patchFollowUp(id, { status: 'in_progress', owner: 'sam' });
    expect(taken.statusCode, taken.body).toBe(200);
    expect(taken.json()).toMatchObject({
      id,
      status: 'in_progress',
      owner: 'sam',
      updatedBy: 'support',
      resolvedAt: null,
    });
    // The same change again is harmless: nothing moves, not even the time of the last change.
    const again = await patchFollowUp(id, { status: 'in_progress', owner: 'sam' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(taken.json());
    expect((await listFollowUps({ status: 'open', limit: '100' })).items.map((item) => item.id)).not.toContain(id);
    expect((await listFollowUps({ status: 'in_progress', limit: '100' })).items.map((item) => item.id)).toContain(id);

    const resolved = await patchFollowUp(id, { status: 'resolved', note: 'sent a new lid' }, asAdmin);
    expect(resolved.statusCode, resolved.body).toBe(200);
    const body = resolved.json();
    expect(body).toMatchObject({ status: 'resolved', owner: 'sam', note: 'sent a new lid', updatedBy: 'admin' });
    expect(body.resolvedAt).toBe(body.updatedAt);
    expect(Date.parse(body.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(taken.json().updatedAt));
    expect((await patchFollowUp(id, { status: 'resolved', note: 'sent a new lid' }, asAdmin)).json()).toEqual(body);

    const reopened = await patchFollowUp(id, { status: 'open' });
    expect(reopened.statusCode).toBe(422);
    expect(reopened.json()).toMatchObject({ type: '/problems/follow-up-change-refused', status: 422 });
    const [after] = await stack.db.select().from(followUps).where(eq(followUps.id, id));
    expect(after).toMatchObject({ status: 'resolved', updatedBy: 'admin' });
  });

  it('a real order placed on the phone gets its survey by phone, at the number it gave', async () => {
    const orderId = await deliverOrder('phone');
    const [order] = await stack.db.select().from(orders).where(eq(orders.id, orderId));
    expect(await surveyMessages(orderId)).toEqual([{ channel: 'phone', recipient: order!.request.customer.phone }]);
  });

  it('lists newest first page by page, each once, and refuses what makes no sense', async () => {
    const mine: number[] = [];
    for (const hours of [9, 10, 11]) {
      const orderId = await seed({ placedAt: day + hours * hour });
      const [row] = await stack.db
        .insert(followUps)
        .values({ orderId, reason: 'low_rating', ratings: r(2, 2, 2) })
        .returning({ id: followUps.id });
      mine.push(row!.id);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await listFollowUps({ limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => mine.includes(id))).toEqual([...mine].reverse());

    const open = mine[0]!;
    const noOwner = await patchFollowUp(open, { status: 'in_progress' });
    expect(noOwner.statusCode).toBe(422);
    expect(noOwner.json().detail).toBe('a follow-up in progress needs an owner');
    const unknown = await patchFollowUp(2_000_000_000, { status: 'resolved' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/follow-up-not-found' });
    for (const [id, payload, field] of [
      ['abc', { status: 'resolved' }, 'id'],
      [2_147_483_648, { status: 'resolved' }, 'id'],
      [open, { status: 'closed' }, 'status'],
      [open, { status: 'resolved', owner: '' }, 'owner'],
      [open, { status: 'resolved', priority: 'high' }, ''],
    ] as const) {
      const response = await patchFollowUp(id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      if (field) expect(response.json().errors).toEqual([expect.objectContaining({ path: field })]);
    }
    for (const query of [{ status: 'closed' }, { cursor: 'not-a-cursor' }, { limit: '0' }] as Array<
      Record<string, string>
    >) {
      const response = await stack.app.inject({ method: 'GET', url: '/v1/follow-ups', query, headers: asSupport });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().errors).toEqual([expect.objectContaining({ path: Object.keys(query)[0] })]);
    }
    expect((await stack.app.inject({ method: 'GET', url: '/v1/follow-ups', headers: asService })).statusCode).toBe(403);
    expect((await patchFollowUp(open, { status: 'resolved' }, asService)).statusCode).toBe(403);
    const [untouched] = await stack.db.select().from(followUps).where(eq(followUps.id, open));
    expect(untouched).toMatchObject({ status: 'open', owner: null, updatedBy: null });
  });
});
