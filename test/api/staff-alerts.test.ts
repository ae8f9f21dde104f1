import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOwedWork } from '../../api/owed-work.js';
import { createSandboxStaffNotifier } from '../../sandbox/staff-notifier.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import {
  asAdmin,
  asService,
  asSupport,
  getTimeline,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  sendPaymentWebhook,
  waitForStatus,
} from '../support/http.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { waitUntilIdle } from '../support/order-model.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sweep: { stop(): Promise<void> };

beforeAll(async () => {
  // Second-long windows: a wait is overdue after a second and the sweep looks five times a second.
  stack = await startTestStack({
    STAFF_ALERT_WAIT_AFTER: '1s',
    PLACEMENT_SWEEP_INTERVAL: '200ms',
    POLICY_SURVEY_WINDOW: '2m',
    POLICY_RETURN_WINDOW: '1s',
    POLICY_DELIVERY_GRACE: '1h',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
  sweep = sweepOwedWork(
    {
      db: stack.db,
      temporal: stack.client,
      taskQueue: stack.taskQueue,
      staffAlerts: {
        notifier: createSandboxStaffNotifier(stack.db),
        waitAfterMs: stack.config.staffAlerts.waitAfterMs,
      },
    },
    stack.config.placementSweepMs,
  );
});
afterAll(async () => {
  await sweep.stop();
  await stack.close();
});

type Alert = {
  id: number;
  kind: string;
  orderId: string;
  subject: string;
  detail: Record<string, unknown>;
  dedupeKey: string;
  sentAt: string;
};

async function listAlerts(query: Record<string, string>, headers = asSupport) {
  return stack.app.inject({ method: 'GET', url: '/v1/staff-alerts', query, headers });
}

/** Every alert of one order (and kind), newest first, following the cursor to the end. */
async function alertsOf(orderId: string, kind?: string): Promise<Alert[]> {
  const alerts: Alert[] = [];
  let cursor: string | null = null;
  do {
    const response = await listAlerts({
      orderId,
      limit: '2',
      ...(kind ? { kind } : {}),
      ...(cursor ? { cursor } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { items: Alert[]; nextCursor: string | null };
    alerts.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return alerts;
}

/** An order of more than 20 units of one SKU (held, not suspicious: no flag alert): paid, it waits for a person to confirm it. */
async function heldForReview(): Promise<string> {
  const sku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 30 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 21 }]));
  expect(placed.statusCode, placed.body).toBe(201);
  const orderId = placed.json().id as string;
  await payInFull(stack.app, orderId);
  await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
  return orderId;
}

describe('overdue waits', () => {
  it('a paid order held for review past the window alerts staff exactly once', async () => {
    const orderId = await heldForReview();
    await expect.poll(async () => (await alertsOf(orderId)).length, { timeout: 15_000 }).toBe(1);
    const entered = (await getTimeline(stack.app, orderId)).find((entry) => entry.status === 'awaiting_confirmation')!;
    const [alert] = await alertsOf(orderId);
    expect(alert).toEqual({
      id: expect.any(Number),
      kind: 'wait_overdue',
      orderId,
      subject: `Order ${orderId} has been awaiting_confirmation since ${entered.at}`,
      detail: { status: 'awaiting_confirmation', enteredAt: entered.at, waitAfterMs: 1_000 },
      dedupeKey: `wait:${orderId}:awaiting_confirmation:${entered.at}`,
      sentAt: expect.any(String),
    });
    expect(Date.parse(alert!.sentAt) - Date.parse(entered.at)).toBeGreaterThanOrEqual(1_000);

    // A later sweep has run once a second held order is alerted: the first is still alerted only once.
    const later = await heldForReview();
    await expect.poll(async () => (await alertsOf(later)).length, { timeout: 15_000 }).toBe(1);
    expect(await alertsOf(orderId)).toEqual([alert]);
  });

  it('an order not held past the window is not alerted', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 1_500, lots: [{ onHand: 5 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
    const orderId = placed.json().id as string;
    await payInFull(stack.app, orderId);
    await waitForStatus(stack.app, orderId, 'ready_to_ship');
    const held = await heldForReview();
    await expect.poll(async () => (await alertsOf(held)).length, { timeout: 15_000 }).toBe(1);
    expect(await alertsOf(orderId)).toEqual([]);
  });
});

/** A paid regular order waiting for pickup, and the order as it was when payment was asked. */
async function readyToShip() {
  const sku = await createProduct(stack.db, { priceMinor: 2_000, lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  const orderId = placed.json().id as string;
  const order = await payInFull(stack.app, orderId);
  await waitForStatus(stack.app, orderId, 'ready_to_ship');
  return { orderId, order };
}

/** Makes Postgres refuse every staff alert of one order, as a constraint would, until the returned function is called. */
async function refuseStaffAlerts(orderId: string) {
  const name = `test_refuse_${uniqueTag().toLowerCase()}`;
  await stack.db.execute(
    sql.raw(
      `create function ${name}() returns trigger language plpgsql as $$ begin if new.order_id = '${orderId}' then raise exception 'refused by test' using errcode = '22P05'; end if; return new; end $$`,
    ),
  );
  await stack.db.execute(
    sql.raw(`create trigger ${name} before insert on staff_alerts for each row execute function ${name}()`),
  );
  return async () => {
    await stack.db.execute(sql.raw(`drop trigger ${name} on staff_alerts`));
    await stack.db.execute(sql.raw(`drop function ${name}()`));
  };
}

describe('flagged orders', () => {
  it('a duplicate payment flags the order and alerts staff once', async () => {
    const { orderId, order } = await readyToShip();
    const second = { id: `evt_${uniqueTag()}`, transactionId: `txn_${uniqueTag()}` };
    expect((await sendPaymentWebhook(stack.app, order, second)).statusCode).toBe(202);

    await expect.poll(async () => (await alertsOf(orderId, 'order_flagged')).length, { timeout: 15_000 }).toBe(1);
    const flag = (await getTimeline(stack.app, orderId)).find((entry) => entry.kind === 'flag')!;
    expect(flag.name).toBe('duplicate_payment');
    const [alert] = await alertsOf(orderId);
    expect(alert).toEqual({
      id: expect.any(Number),
      kind: 'order_flagged',
      orderId,
      subject: `Order ${orderId} flagged: duplicate_payment`,
      detail: { flag: 'duplicate_payment', status: flag.status, reason: flag.reason, ...flag.detail },
      dedupeKey: `flag:${orderId}:duplicate_payment:${flag.seq}`,
      sentAt: expect.any(String),
    });

    // The same provider event again is a duplicate delivery: no second flag, no second alert.
    const again = await sendPaymentWebhook(stack.app, order, second);
    expect(again.json()).toMatchObject({ duplicate: true });
    await waitUntilIdle(stack.client, [orderId]);
    expect(await alertsOf(orderId)).toEqual([alert]);

    const cancelled = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/cancel`,
      headers: asSupport,
      payload: { reason: 'paid twice, wants neither', requestedBy: 'sam' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await stack.client.workflow.getHandle(orderWorkflowId(orderId)).result();
    expect(await alertsOf(orderId)).toEqual([alert]);
  });

  it('an alert Postgres refuses for good does not stop the order: the flag stays on its timeline', async () => {
    const { orderId, order } = await readyToShip();
    const allow = await refuseStaffAlerts(orderId);
    try {
      const second = { id: `evt_${uniqueTag()}`, transactionId: `txn_${uniqueTag()}` };
      expect((await sendPaymentWebhook(stack.app, order, second)).statusCode).toBe(202);
      await expect
        .poll(async () =>
          (await getTimeline(stack.app, orderId)).filter((entry) => entry.kind === 'flag').map((entry) => entry.name),
        )
        .toEqual(['duplicate_payment']);
      await waitUntilIdle(stack.client, [orderId]);
      const description = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
      expect(description.status.name).toBe('RUNNING');
      expect((await waitForStatus(stack.app, orderId, 'ready_to_ship')).flags).toEqual(['duplicate_payment']);
      expect(await alertsOf(orderId)).toEqual([]);
    } finally {
      await allow();
    }
  });
});

/** A regular order delivered with its survey sent, and nothing left for its workflow to do right now. */
async function delivered(): Promise<string> {
  const sku = await createProduct(stack.db, { priceMinor: 1_500, lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  const orderId = placed.json().id as string;
  await payInFull(stack.app, orderId);
  const { shipment } = await waitForStatus(stack.app, orderId, 'ready_to_ship');
  expect((await sendCarrierWebhook(stack.app, shipment!, 'picked_up')).statusCode).toBe(202);
  await waitForStatus(stack.app, orderId, 'shipped');
  expect((await sendCarrierWebhook(stack.app, shipment!, 'delivered')).statusCode).toBe(202);
  await waitForStatus(stack.app, orderId, 'delivered');
  await waitUntilIdle(stack.client, [orderId]);
  return orderId;
}

const answerSurvey = (orderId: string, ratings: object, comment: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/feedback`,
    headers: asService,
    payload: { ratings, comment },
  });

describe('follow-ups', () => {
  it('a rating of 1 opens a follow-up and alerts staff once; a second answer alerts nobody', async () => {
    const orderId = await delivered();
    const answer = (ratings: object, comment: string) => answerSurvey(orderId, ratings, comment);
    expect((await answer({ product: 1, delivery: 4, service: 5 }, 'broken lid')).statusCode).toBe(202);
    await expect.poll(async () => (await alertsOf(orderId)).length, { timeout: 15_000 }).toBe(1);
    expect(await alertsOf(orderId)).toEqual([
      {
        id: expect.any(Number),
        kind: 'follow_up_opened',
        orderId,
        subject: `Order ${orderId}: a low rating opened a follow-up`,
        detail: { ratings: { product: 1, delivery: 4, service: 5 }, comment: 'broken lid' },
        dedupeKey: `follow-up:${orderId}`,
        sentAt: expect.any(String),
      },
    ]);
    const first = await alertsOf(orderId);

    await answer({ product: 1, delivery: 1, service: 1 }, 'still broken');
    await waitUntilIdle(stack.client, [orderId]);
    expect(await alertsOf(orderId)).toEqual(first);
  });

  it('an alert Postgres refuses for good does not stop the order: the follow-up is still opened', async () => {
    const orderId = await delivered();
    const allow = await refuseStaffAlerts(orderId);
    try {
      expect((await answerSurvey(orderId, { product: 4, delivery: 1, service: 4 }, 'late')).statusCode).toBe(202);
      await expect
        .poll(async () => (await getTimeline(stack.app, orderId)).map((entry) => entry.name))
        .toContain('feedback_received');
      await waitUntilIdle(stack.client, [orderId]);
      const order = await waitForStatus(stack.app, orderId, 'delivered');
      expect(order.flags).toEqual([]);
      const followUps = await stack.app.inject({
        method: 'GET',
        url: '/v1/follow-ups?status=open&limit=100',
        headers: asSupport,
      });
      expect(followUps.json().items.filter((item: { orderId: string }) => item.orderId === orderId)).toHaveLength(1);
      expect(await alertsOf(orderId)).toEqual([]);
    } finally {
      await allow();
    }
  });
});

describe('GET /v1/staff-alerts', () => {
  it('is for support and admin: 403 for a service key', async () => {
    const refused = await listAlerts({}, asService);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ type: '/problems/forbidden' });
    expect((await listAlerts({}, asAdmin)).statusCode).toBe(200);
  });

  it.each([
    [{ kind: 'order_lost' }, 'kind'],
    [{ limit: '0' }, 'limit'],
    [{ limit: 'many' }, 'limit'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ orderId: '' }, 'orderId'],
    [{ colour: 'red' }, 'colour'],
  ])('refuses %o with 400', async (query, field) => {
    const response = await listAlerts(query);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: '/problems/validation-error', status: 400 });
    expect(response.json().errors).toEqual([expect.objectContaining({ path: field })]);
  });
});
