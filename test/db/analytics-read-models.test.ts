import { asc, eq, inArray, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../db/client.js';
import { orderEvents, orderOutcomes, orders, orderStageSpans, shipments } from '../../db/schema.js';
import { CUSTOMERS } from '../../db/seed-data.js';
import { TERMINAL_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { orderRequest, uniqueTag } from '../support/fixtures.js';

type Entry = [status: string, atMs: number, name?: string, kind?: 'milestone' | 'note' | 'flag'];

const database = createDatabase(inject('databaseUrl'), { max: 4 });
const { db } = database;
// Times of our own, years before anything else in the shared database.
const T = Date.UTC(2018, 2, 5, 9);

async function placeOrder(type: 'regular' | 'urgent' = 'regular', channel: 'web' | 'app' = 'web'): Promise<string> {
  const id = `ord_${ulid(T)}`;
  await db.insert(orders).values({
    id,
    status: 'received',
    type,
    channel,
    customerId: CUSTOMERS[0]!.id,
    request: orderRequest([{ sku: 'TEA-001', quantity: 1 }], { type, channel }),
    pricing: {} as never,
    total: 890,
    currency: 'EUR',
    requestHash: id,
    placedBy: 'service',
    createdAt: new Date(T),
  });
  return id;
}

const entry = (orderId: string, seq: number, [status, at, name, kind]: Entry) => ({
  orderId,
  seq,
  kind: kind ?? ('milestone' as const),
  name: name ?? `step_${seq}`,
  status,
  actor: 'system',
  at: new Date(T + at),
});

/** The spans the analytics read model holds for these orders. */
async function storedSpans(orderIds: string[]) {
  const rows = await db
    .select()
    .from(orderStageSpans)
    .where(inArray(orderStageSpans.orderId, orderIds))
    .orderBy(asc(orderStageSpans.orderId), asc(orderStageSpans.enteredSeq));
  return rows.map((row) => ({
    orderId: row.orderId,
    stage: row.stage,
    enteredAt: row.enteredAt.toISOString(),
    leftAt: row.leftAt?.toISOString() ?? null,
    durationMs: row.durationMs,
  }));
}

/** The spans derived the plain way from each order's timeline, in seq order: what the trigger must keep. */
async function derivedSpans(orderIds: string[]) {
  const spans: Awaited<ReturnType<typeof storedSpans>> = [];
  for (const orderId of [...orderIds].sort()) {
    const timeline = await db
      .select()
      .from(orderEvents)
      .where(eq(orderEvents.orderId, orderId))
      .orderBy(asc(orderEvents.seq));
    let scan = 0;
    const staged = timeline.map((e) => {
      scan = Math.max(scan, e.name === 'warehouse_picked' ? 1 : e.name === 'warehouse_packed' ? 2 : 0);
      const stage = e.status === 'ready_to_ship' && scan > 0 ? (scan === 2 ? 'packed' : 'picked') : e.status;
      return { stage, at: e.at };
    });
    const starts = staged.filter((e, i) => i === 0 || e.stage !== staged[i - 1]!.stage);
    starts.forEach((start, i) => {
      if (TERMINAL_STATUSES.has(start.stage as OrderStatus)) return;
      const next = starts[i + 1];
      spans.push({
        orderId,
        stage: start.stage,
        enteredAt: start.at.toISOString(),
        leftAt: next?.at.toISOString() ?? null,
        durationMs: next ? next.at.getTime() - start.at.getTime() : null,
      });
    });
  }
  return spans;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  // Shipped and delivered, a note inside a stage, the warehouse's scans, a final status.
  ids.done = await placeOrder();
  await db.insert(orderEvents).values(
    (
      [
        ['received', 0],
        ['received', 500, 'order_verified', 'note'],
        ['awaiting_payment', 1_000],
        ['confirmed', 61_000],
        ['ready_to_ship', 62_000],
        ['ready_to_ship', 65_000, 'warehouse_picked', 'note'],
        ['ready_to_ship', 69_000, 'warehouse_packed', 'note'],
        ['shipped', 70_000],
        ['delivered', 170_000],
        ['completed', 200_000],
      ] as Entry[]
    ).map((e, i) => entry(ids.done!, i + 1, e)),
  );
  // Still waiting for payment, written one entry at a time as a workflow does.
  ids.waiting = await placeOrder('urgent', 'app');
  for (const [i, e] of (
    [
      ['received', 0],
      ['awaiting_payment', 2_000],
    ] as Entry[]
  ).entries())
    await db.insert(orderEvents).values(entry(ids.waiting!, i + 1, e));
});
afterAll(() => database.close());

describe('order_stage_spans, kept by the trigger on order_events', () => {
  it('holds every stage entered with its exact times, the current one open', async () => {
    const at = (ms: number) => new Date(T + ms).toISOString();
    expect(await storedSpans([ids.done!])).toEqual([
      { orderId: ids.done, stage: 'received', enteredAt: at(0), leftAt: at(1_000), durationMs: 1_000 },
      { orderId: ids.done, stage: 'awaiting_payment', enteredAt: at(1_000), leftAt: at(61_000), durationMs: 60_000 },
      { orderId: ids.done, stage: 'confirmed', enteredAt: at(61_000), leftAt: at(62_000), durationMs: 1_000 },
      { orderId: ids.done, stage: 'ready_to_ship', enteredAt: at(62_000), leftAt: at(65_000), durationMs: 3_000 },
      { orderId: ids.done, stage: 'picked', enteredAt: at(65_000), leftAt: at(69_000), durationMs: 4_000 },
      { orderId: ids.done, stage: 'packed', enteredAt: at(69_000), leftAt: at(70_000), durationMs: 1_000 },
      { orderId: ids.done, stage: 'shipped', enteredAt: at(70_000), leftAt: at(170_000), durationMs: 100_000 },
      { orderId: ids.done, stage: 'delivered', enteredAt: at(170_000), leftAt: at(200_000), durationMs: 30_000 },
    ]);
    expect(await storedSpans([ids.waiting!])).toEqual([
      { orderId: ids.waiting, stage: 'received', enteredAt: at(0), leftAt: at(2_000), durationMs: 2_000 },
      { orderId: ids.waiting, stage: 'awaiting_payment', enteredAt: at(2_000), leftAt: null, durationMs: null },
    ]);
    const [copied] = await db
      .select({
        orderType: orderStageSpans.orderType,
        channel: orderStageSpans.channel,
        placedAt: orderStageSpans.placedAt,
      })
      .from(orderStageSpans)
      .where(eq(orderStageSpans.orderId, ids.waiting!))
      .limit(1);
    expect(copied).toEqual({ orderType: 'urgent', channel: 'app', placedAt: new Date(T) });
    expect(await storedSpans([ids.done!, ids.waiting!])).toEqual(await derivedSpans([ids.done!, ids.waiting!]));
  });

  it('gives the same spans when entries arrive out of order, one statement each', async () => {
    const orderId = await placeOrder();
    const timeline: Entry[] = [
      ['received', 0],
      ['on_hold', 1_000],
      ['received', 4_000],
      ['awaiting_payment', 5_000],
      ['confirmed', 9_000],
    ];
    for (const seq of [1, 3, 2, 5, 4]) await db.insert(orderEvents).values(entry(orderId, seq, timeline[seq - 1]!));
    expect(await storedSpans([orderId])).toEqual(await derivedSpans([orderId]));
    expect((await storedSpans([orderId])).map((span) => [span.stage, span.durationMs])).toEqual([
      ['received', 1_000],
      ['on_hold', 3_000],
      ['received', 1_000],
      ['awaiting_payment', 4_000],
      ['confirmed', null],
    ]);
  });

  it('keeps both of two entries of one order written by concurrent transactions', async () => {
    const orderId = await placeOrder();
    await db.insert(orderEvents).values(entry(orderId, 1, ['received', 0]));
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstInserted!: () => void;
    const firstHasInserted = new Promise<void>((resolve) => (firstInserted = resolve));
    const first = db.transaction(async (tx) => {
      await tx.insert(orderEvents).values(entry(orderId, 3, ['confirmed', 7_000]));
      firstInserted();
      await firstMayCommit;
    });
    await firstHasInserted;
    const second = db
      .insert(orderEvents)
      .values(entry(orderId, 2, ['awaiting_payment', 2_000]))
      .execute();
    // The second writer waits for the first one's lock on the order before it recomputes.
    await expect
      .poll(async () => {
        const [row] = await db.execute<{ waiting: number }>(
          sql`select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into "order_events"%'`,
        );
        return row!.waiting;
      })
      .toBeGreaterThan(0);
    releaseFirst();
    await Promise.all([first, second]);
    expect((await storedSpans([orderId])).map((span) => [span.stage, span.durationMs])).toEqual([
      ['received', 2_000],
      ['awaiting_payment', 5_000],
      ['confirmed', null],
    ]);
  });

  it('copies the carrier once the parcel is booked, and keeps spans across a flag after the end', async () => {
    const carried = (orderId: string) =>
      db
        .selectDistinct({ carrierId: orderStageSpans.carrierId })
        .from(orderStageSpans)
        .where(eq(orderStageSpans.orderId, orderId));
    expect(await carried(ids.done!)).toEqual([{ carrierId: null }]);
    await db.insert(shipments).values({
      orderId: ids.done!,
      carrierId: 'parcelnet',
      service: 'standard',
      trackingNumber: `SPN${uniqueTag()}`,
      cost: 500,
      weightGrams: 200,
      volumeCm3: 500,
      eta: new Date(T + 86_400_000),
    });
    expect(await carried(ids.done!)).toEqual([{ carrierId: 'parcelnet' }]);
    const before = await storedSpans([ids.done!]);
    await db.insert(orderEvents).values(entry(ids.done!, 11, ['completed', 900_000, 'chargeback', 'flag']));
    expect(await storedSpans([ids.done!])).toEqual(before);
    expect(await carried(ids.done!)).toEqual([{ carrierId: 'parcelnet' }]);
  });
});

describe('order_outcomes, kept by the triggers on orders and order_events', () => {
  it('has a row from placement and follows what the timeline reaches', async () => {
    const orderId = await placeOrder('urgent', 'web');
    const outcome = async () => {
      const [row] = await db.select().from(orderOutcomes).where(eq(orderOutcomes.orderId, orderId));
      return row;
    };
    expect(await outcome()).toMatchObject({ orderType: 'urgent', channel: 'web', paid: false, cancelled: false });
    await db
      .insert(orderEvents)
      .values([
        entry(orderId, 1, ['received', 0, 'order_received']),
        entry(orderId, 2, ['awaiting_payment', 1_000, 'stock_reserved']),
        entry(orderId, 3, ['awaiting_payment', 2_000, 'payment_failed', 'note']),
        entry(orderId, 4, ['awaiting_payment', 3_000, 'payment_failed', 'note']),
        entry(orderId, 5, ['confirmed', 4_000, 'payment_captured']),
      ]);
    await db.insert(orderEvents).values({
      ...entry(orderId, 6, ['cancelled', 5_000, 'order_cancelled']),
      reason: 'changed my mind',
      detail: { requestedBy: 'support' },
    });
    expect(await outcome()).toEqual({
      orderId,
      orderType: 'urgent',
      channel: 'web',
      placedAt: new Date(T),
      paid: true,
      shipped: false,
      delivered: false,
      completed: false,
      cancelled: true,
      returned: false,
      failed: false,
      onHold: false,
      short: false,
      split: false,
      substituted: false,
      backordered: false,
      paymentFailures: 2,
      parcelLate: false,
      productionLate: false,
      cancelReason: 'changed my mind',
      cancelRequested: true,
      cancelStage: 'confirmed',
    });
    await db.update(orders).set({ channel: 'app' }).where(eq(orders.id, orderId));
    expect(await outcome()).toMatchObject({ channel: 'app' });
    expect(
      await db
        .selectDistinct({ channel: orderStageSpans.channel })
        .from(orderStageSpans)
        .where(eq(orderStageSpans.orderId, orderId)),
    ).toEqual([{ channel: 'app' }]);
  });
});
