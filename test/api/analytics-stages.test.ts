import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents, orders, shipments } from '../../db/schema.js';
import { CUSTOMERS } from '../../db/seed-data.js';
import { TERMINAL_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
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
import { ORDER_STATUSES } from '../../domain/order-status.js';

type Answer = {
  asOf: string;
  stages: Array<{ stage: string; count: number; p50Ms: number; p90Ms: number; p99Ms: number }>;
  bottlenecks: Array<{ stage: string; totalMs: number; share: number }>;
  stuck: Array<{ stage: string; orders: Array<{ orderId: string; since: string; ageMs: number }> }>;
};
type Step = [status: OrderStatus, atMs: number, name?: string];
type Seeded = {
  type: 'regular' | 'urgent';
  channel: 'web' | 'app';
  carrier?: 'swiftpost' | 'parcelnet';
  /** Hours after the window opens (negative: before it). */
  placedHour: number;
  /** The timeline: status after each entry and its time after placement. */
  steps: Step[];
};

const hour = 3_600_000;
// A window of our own, years before anything else in the shared database.
const W = Date.UTC(2019, 6, 14);
const window = { from: new Date(W).toISOString(), to: new Date(W + 6 * hour).toISOString() };

const SEEDED: Record<string, Seeded> = {
  A: {
    type: 'regular',
    channel: 'web',
    carrier: 'swiftpost',
    placedHour: 0,
    steps: [
      ['received', 0],
      ['received', 1_000], // a note in the same stage: no new span
      ['awaiting_payment', 2_000],
      ['confirmed', 12_000],
      ['ready_to_ship', 13_000],
      ['shipped', 20_000],
      ['delivered', 80_000],
      ['completed', 90_000],
    ],
  },
  B: {
    type: 'regular',
    channel: 'web',
    carrier: 'parcelnet',
    placedHour: 1,
    steps: [
      ['received', 0],
      ['awaiting_payment', 1_000],
      ['confirmed', 31_000],
      ['ready_to_ship', 32_000],
      ['shipped', 35_000],
    ],
  },
  C: {
    type: 'urgent',
    channel: 'app',
    carrier: 'swiftpost',
    placedHour: 2,
    steps: [
      ['received', 0],
      ['awaiting_payment', 4_000],
      ['confirmed', 5_000],
      ['ready_to_ship', 6_000],
      ['shipped', 8_000],
      ['delivered', 20_000],
      ['returned', 30_001],
    ],
  },
  D: {
    type: 'regular',
    channel: 'app',
    placedHour: 3,
    steps: [
      ['received', 0],
      ['awaiting_payment', 3_000],
      ['cancelled', 100_000],
    ],
  },
  E: {
    type: 'urgent',
    channel: 'web',
    placedHour: 4,
    steps: [
      ['received', 0],
      ['on_hold', 2_000],
      ['reserving', 7_000],
      ['awaiting_payment', 8_000],
    ],
  },
  F: {
    type: 'regular',
    channel: 'web',
    placedHour: 5,
    steps: [
      ['received', 0],
      ['on_hold', 1_000],
      ['received', 3_000], // back in a stage it left: a second span of it
      ['awaiting_payment', 4_000],
    ],
  },
  // Just outside the window at either end ([from, to)): they would dominate awaiting_payment if counted.
  before: {
    type: 'regular',
    channel: 'web',
    placedHour: -1 / hour,
    steps: [
      ['received', 0],
      ['awaiting_payment', 1_000],
      ['confirmed', 501_000],
    ],
  },
  atTo: {
    type: 'regular',
    channel: 'web',
    placedHour: 6,
    steps: [
      ['received', 0],
      ['awaiting_payment', 1_000],
      ['confirmed', 701_000],
    ],
  },
};

let stack: TestStack;
const ids: Record<string, string> = {};
const placedAt = (name: string) => W + SEEDED[name]!.placedHour * hour;

async function seed(name: string, order: Seeded) {
  const at = W + order.placedHour * hour;
  const id = `ord_${ulid(at)}`;
  ids[name] = id;
  await stack.db.insert(orders).values({
    id,
    status: order.steps.at(-1)![0],
    type: order.type,
    channel: order.channel,
    customerId: CUSTOMERS[0]!.id,
    request: orderRequest([{ sku: 'TEA-001', quantity: 1 }], { type: order.type, channel: order.channel }),
    pricing: {} as never,
    total: 890,
    currency: 'EUR',
    requestHash: id,
    placedBy: 'service',
    createdAt: new Date(at),
  });
  await stack.db.insert(orderEvents).values(
    order.steps.map(([status, offset], i) => ({
      orderId: id,
      seq: i + 1,
      kind: i === 0 || status !== order.steps[i - 1]![0] ? ('milestone' as const) : ('note' as const),
      name: order.steps[i]![2] ?? `step_${i + 1}`,
      status,
      actor: 'system',
      at: new Date(at + offset),
    })),
  );
  if (order.carrier)
    await stack.db.insert(shipments).values({
      orderId: id,
      carrierId: order.carrier,
      service: 'standard',
      trackingNumber: `STG${uniqueTag()}`,
      cost: 500,
      weightGrams: 200,
      volumeCm3: 500,
      eta: new Date(at + 3 * 86_400_000),
    });
}

function stages(query: Record<string, string>, headers: Record<string, string> = asSupport) {
  return stack.app.inject({ method: 'GET', url: '/v1/analytics/stages', query, headers });
}

async function answer(query: Record<string, string>): Promise<Answer> {
  const response = await stages(query);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** `percentile_cont`: linear interpolation between the two nearest ranks, then rounded to whole milliseconds. */
function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const value =
    sorted[below]! + (sorted[Math.min(below + 1, sorted.length - 1)]! - sorted[below]!) * (position - below);
  return Math.round(value);
}

// The route lists stages in the domain's own order.
const LIFECYCLE: readonly string[] = ORDER_STATUSES;
// A second window of our own for the warehouse's scans.
const SCANS = Date.UTC(2019, 7, 20);
const byLifecycle = (a: { stage: string }, b: { stage: string }) =>
  LIFECYCLE.indexOf(a.stage) - LIFECYCLE.indexOf(b.stage);

/** The answer computed the plain way, one order's timeline at a time: what the SQL must agree with. */
function expectedFrom(timelines: Array<{ orderId: string; entries: Array<{ status: string; at: string }> }>) {
  const spans = new Map<string, number[]>();
  const open = new Map<string, Array<{ orderId: string; since: string }>>();
  for (const { orderId, entries } of timelines) {
    const starts = entries.filter((entry, i) => i === 0 || entry.status !== entries[i - 1]!.status);
    starts.forEach((start, i) => {
      if (TERMINAL_STATUSES.has(start.status as OrderStatus)) return;
      const next = starts[i + 1];
      if (next)
        spans.set(start.status, [...(spans.get(start.status) ?? []), Date.parse(next.at) - Date.parse(start.at)]);
      else open.set(start.status, [...(open.get(start.status) ?? []), { orderId, since: start.at }]);
    });
  }
  const stageList = [...spans].map(([stage, durations]) => {
    const sorted = durations.sort((a, b) => a - b);
    return {
      stage,
      count: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
      totalMs: sorted.reduce((sum, ms) => sum + ms, 0),
    };
  });
  const grand = stageList.reduce((sum, stage) => sum + stage.totalMs, 0);
  return {
    stages: stageList.sort(byLifecycle).map(({ totalMs: _, ...stage }) => stage),
    bottlenecks: stageList
      .map(({ stage, totalMs }) => ({ stage, totalMs, share: Math.round((totalMs / grand) * 10_000) / 10_000 }))
      .sort((a, b) => b.totalMs - a.totalMs || byLifecycle(a, b)),
    stuck: [...open]
      .map(([stage, waiting]) => ({
        stage,
        orders: waiting
          .sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || (a.orderId < b.orderId ? -1 : 1))
          .slice(0, 5),
      }))
      .sort(byLifecycle),
  };
}

/** The seeded orders' timelines, for the reference computation. */
const seededTimelines = (names: string[]) =>
  names.map((name) => ({
    orderId: ids[name]!,
    entries: SEEDED[name]!.steps.map(([status, offset]) => ({
      status,
      at: new Date(placedAt(name) + offset).toISOString(),
    })),
  }));

/** The answer's stuck orders without their age, after checking each age is measured to `asOf`. */
function withoutAges(result: Answer) {
  return result.stuck.map(({ stage, orders: waiting }) => ({
    stage,
    orders: waiting.map(({ orderId, since, ageMs }) => {
      expect(ageMs).toBe(Date.parse(result.asOf) - Date.parse(since));
      return { orderId, since };
    }),
  }));
}

beforeAll(async () => {
  stack = await startTestStack();
  for (const [name, order] of Object.entries(SEEDED)) await seed(name, order);
});
afterAll(() => stack.close());

describe('GET /v1/analytics/stages over a seeded timeline', () => {
  it("splits the wait for pickup at the warehouse's pick and pack scans", async () => {
    const scanned: Seeded = {
      type: 'regular',
      channel: 'web',
      placedHour: 0,
      steps: [
        ['received', 0],
        ['confirmed', 1_000],
        ['ready_to_ship', 2_000],
        ['ready_to_ship', 5_000, 'warehouse_picked'],
        ['ready_to_ship', 6_000, 'invoice_issued'], // a note between the scans stays in the step
        ['ready_to_ship', 9_000, 'warehouse_packed'],
        ['shipped', 15_000],
      ],
    };
    const unscanned: Seeded = {
      ...scanned,
      steps: [
        ['received', 0],
        ['ready_to_ship', 2_000],
        ['shipped', 12_000],
      ],
    };
    await seed('scanned', { ...scanned, placedHour: (SCANS - W) / hour });
    await seed('unscanned', { ...unscanned, placedHour: (SCANS - W) / hour + 1 });
    const result = await answer({ from: new Date(SCANS).toISOString(), to: new Date(SCANS + 2 * hour).toISOString() });
    expect(result.stages).toEqual([
      { stage: 'received', count: 2, p50Ms: 1_500, p90Ms: 1_900, p99Ms: 1_990 },
      { stage: 'confirmed', count: 1, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'ready_to_ship', count: 2, p50Ms: 6_500, p90Ms: 9_300, p99Ms: 9_930 },
      { stage: 'picked', count: 1, p50Ms: 4_000, p90Ms: 4_000, p99Ms: 4_000 },
      { stage: 'packed', count: 1, p50Ms: 6_000, p90Ms: 6_000, p99Ms: 6_000 },
    ]);
    expect(result.stuck.map(({ stage }) => stage)).toEqual(['shipped']);
  });

  it('gives each stage its count and percentiles, the bottlenecks, and the orders stuck now', async () => {
    const before = Date.now();
    const result = await answer(window);
    expect(result.stages).toEqual([
      { stage: 'received', count: 7, p50Ms: 2_000, p90Ms: 3_400, p99Ms: 3_940 },
      { stage: 'on_hold', count: 2, p50Ms: 3_500, p90Ms: 4_700, p99Ms: 4_970 },
      { stage: 'reserving', count: 1, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'awaiting_payment', count: 4, p50Ms: 20_000, p90Ms: 76_900, p99Ms: 94_990 },
      { stage: 'confirmed', count: 3, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'ready_to_ship', count: 3, p50Ms: 3_000, p90Ms: 6_200, p99Ms: 6_920 },
      { stage: 'shipped', count: 2, p50Ms: 36_000, p90Ms: 55_200, p99Ms: 59_520 },
      // 10 000 and 10 001 ms: the median 10 000.5 rounds half away from zero.
      { stage: 'delivered', count: 2, p50Ms: 10_001, p90Ms: 10_001, p99Ms: 10_001 },
    ]);
    // 267 001 ms in all.
    expect(result.bottlenecks).toEqual([
      { stage: 'awaiting_payment', totalMs: 138_000, share: 0.5169 },
      { stage: 'shipped', totalMs: 72_000, share: 0.2697 },
      { stage: 'delivered', totalMs: 20_001, share: 0.0749 },
      { stage: 'received', totalMs: 14_000, share: 0.0524 },
      { stage: 'ready_to_ship', totalMs: 12_000, share: 0.0449 },
      { stage: 'on_hold', totalMs: 7_000, share: 0.0262 },
      { stage: 'confirmed', totalMs: 3_000, share: 0.0112 },
      { stage: 'reserving', totalMs: 1_000, share: 0.0037 },
    ]);
    expect(withoutAges(result)).toEqual([
      {
        stage: 'awaiting_payment',
        orders: [
          { orderId: ids.E, since: new Date(placedAt('E') + 8_000).toISOString() },
          { orderId: ids.F, since: new Date(placedAt('F') + 4_000).toISOString() },
        ],
      },
      { stage: 'shipped', orders: [{ orderId: ids.B, since: new Date(placedAt('B') + 35_000).toISOString() }] },
    ]);
    expect(Date.parse(result.asOf)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(result.asOf)).toBeLessThanOrEqual(Date.now() + 1_000);
    // The plain computation agrees, so the filtered answers below can be checked against it.
    expect({ ...result, stuck: withoutAges(result), asOf: undefined }).toEqual({
      ...expectedFrom(seededTimelines(['A', 'B', 'C', 'D', 'E', 'F'])),
      asOf: undefined,
    });
  });

  it.each([
    ['type', { type: 'urgent' }, ['C', 'E']],
    ['channel', { channel: 'app' }, ['C', 'D']],
    ['carrier', { carrier: 'swiftpost' }, ['A', 'C']],
    ['another carrier', { carrier: 'parcelnet' }, ['B']],
    ['type and channel together', { type: 'regular', channel: 'web' }, ['A', 'B', 'F']],
    [
      'a narrower window',
      { from: new Date(W + hour).toISOString(), to: new Date(W + 3 * hour).toISOString() },
      ['B', 'C'],
    ],
  ])('covers only the orders of the filter: %s', async (_, filter, names) => {
    const result = await answer({ ...window, ...filter });
    expect({ ...result, stuck: withoutAges(result), asOf: undefined }).toEqual({
      ...expectedFrom(seededTimelines(names)),
      asOf: undefined,
    });
  });

  it('answers the urgent orders exactly', async () => {
    const result = await answer({ ...window, type: 'urgent' });
    expect(result.stages).toEqual([
      { stage: 'received', count: 2, p50Ms: 3_000, p90Ms: 3_800, p99Ms: 3_980 },
      { stage: 'on_hold', count: 1, p50Ms: 5_000, p90Ms: 5_000, p99Ms: 5_000 },
      { stage: 'reserving', count: 1, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'awaiting_payment', count: 1, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'confirmed', count: 1, p50Ms: 1_000, p90Ms: 1_000, p99Ms: 1_000 },
      { stage: 'ready_to_ship', count: 1, p50Ms: 2_000, p90Ms: 2_000, p99Ms: 2_000 },
      { stage: 'shipped', count: 1, p50Ms: 12_000, p90Ms: 12_000, p99Ms: 12_000 },
      { stage: 'delivered', count: 1, p50Ms: 10_001, p90Ms: 10_001, p99Ms: 10_001 },
    ]);
    // 38 001 ms in all.
    expect(result.bottlenecks).toEqual([
      { stage: 'shipped', totalMs: 12_000, share: 0.3158 },
      { stage: 'delivered', totalMs: 10_001, share: 0.2632 },
      { stage: 'received', totalMs: 6_000, share: 0.1579 },
      { stage: 'on_hold', totalMs: 5_000, share: 0.1316 },
      { stage: 'ready_to_ship', totalMs: 2_000, share: 0.0526 },
      // Equal totals keep the order of the happy path.
      { stage: 'reserving', totalMs: 1_000, share: 0.0263 },
      { stage: 'awaiting_payment', totalMs: 1_000, share: 0.0263 },
      { stage: 'confirmed', totalMs: 1_000, share: 0.0263 },
    ]);
    expect(withoutAges(result)).toEqual([
      { stage: 'awaiting_payment', orders: [{ orderId: ids.E, since: new Date(placedAt('E') + 8_000).toISOString() }] },
    ]);
  });

  it('answers a window with no orders with empty lists', async () => {
    const result = await answer({ from: '2019-07-13T00:00:00Z', to: '2019-07-13T23:00:00Z' });
    expect(result).toEqual({ asOf: expect.any(String), stages: [], bottlenecks: [], stuck: [] });
  });

  it('shows at most five stuck orders per stage, those waiting longest first', async () => {
    const start = Date.UTC(2019, 7, 1);
    const waiting: string[] = [];
    // Entered awaiting_payment in the order 3, 0, 5, 1, 4, 2 (minutes after their placement at the same hour).
    for (const [i, minutes] of [3, 0, 5, 1, 4, 2].entries()) {
      const name = `stuck${i}`;
      SEEDED[name] = {
        type: 'regular',
        channel: 'web',
        placedHour: (start - W) / hour,
        steps: [
          ['received', 0],
          ['awaiting_payment', minutes * 60_000 + i],
        ],
      };
      await seed(name, SEEDED[name]);
      waiting.push(ids[name]!);
    }
    const result = await answer({ from: new Date(start).toISOString(), to: new Date(start + hour).toISOString() });
    expect(withoutAges(result)).toEqual([
      {
        stage: 'awaiting_payment',
        orders: [1, 3, 5, 0, 4].map((i) => ({
          orderId: waiting[i],
          since: new Date(start + [3, 0, 5, 1, 4, 2][i]! * 60_000 + i).toISOString(),
        })),
      },
    ]);
  });
});

describe('GET /v1/analytics/stages over orders through the real stack', () => {
  it('reads the timelines the workflows wrote', async () => {
    await stack.startWorker();
    const from = new Date(Date.now() - 1_000).toISOString();
    const sku = await createProduct(stack.db, { lots: [{ onHand: 10 }] });
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { channel: 'mini_program' }));
      expect(response.statusCode, response.body).toBe(201);
      placed.push(response.json().id);
    }
    const [shippedA, shippedB, unpaid] = placed as [string, string, string];
    const carriers = new Map<string, string>();
    for (const orderId of [shippedA, shippedB]) {
      await payInFull(stack.app, orderId);
      const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
      carriers.set(orderId, ready.shipment!.carrier);
      expect((await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up')).statusCode).toBe(202);
      await waitForStatus(stack.app, orderId, 'shipped');
    }
    await waitForStatus(stack.app, unpaid, 'awaiting_payment');
    const to = new Date(Date.now() + hour).toISOString();

    const timelines = async (orderIds: string[]) =>
      Promise.all(orderIds.map(async (orderId) => ({ orderId, entries: await getTimeline(stack.app, orderId) })));
    const all = await timelines(placed);
    expect(all.map(({ entries }) => entries.at(-1)!.status)).toEqual(['shipped', 'shipped', 'awaiting_payment']);
    const result = await answer({ from, to, channel: 'mini_program' });
    expect({ ...result, stuck: withoutAges(result), asOf: undefined }).toEqual({
      ...expectedFrom(all),
      asOf: undefined,
    });
    expect(result.stages.map((s) => s.stage)).toEqual(
      expect.arrayContaining(['received', 'awaiting_payment', 'ready_to_ship']),
    );
    expect(result.stages.find((s) => s.stage === 'ready_to_ship')!.count).toBe(2);
    expect(
      result.stuck
        .find((s) => s.stage === 'shipped')!
        .orders.map((o) => o.orderId)
        .sort(),
    ).toEqual([shippedA, shippedB].sort());

    const carrier = carriers.get(shippedA)!;
    const withCarrier = placed.filter((orderId) => carriers.get(orderId) === carrier);
    const byCarrier = await answer({ from, to, channel: 'mini_program', carrier });
    expect({ ...byCarrier, stuck: withoutAges(byCarrier), asOf: undefined }).toEqual({
      ...expectedFrom(await timelines(withCarrier)),
      asOf: undefined,
    });
  });
});

describe('GET /v1/analytics/stages refusals', () => {
  it.each([
    ['from', { from: 'yesterday' }],
    ['to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
    ['type', { type: 'bulk' }],
    ['channel', { channel: 'fax' }],
    ['carrier', { carrier: 'Swift Post!' }],
    ['unknown field', { stage: 'shipped' }],
  ])('answers 400 naming the field for a bad %s', async (field, query) => {
    const response = await stages(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors).toEqual([
      expect.objectContaining({ path: field === 'unknown field' ? 'stage' : field }),
    ]);
  });

  it('is for support and admin only', async () => {
    expect((await stages(window, asService)).statusCode).toBe(403);
    expect((await stages(window, {})).statusCode).toBe(401);
    expect((await stages(window, asAdmin)).statusCode).toBe(200);
  });
});
