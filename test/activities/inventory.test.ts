import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory.js';
import { createDatabase } from '../../db/client.js';
import { reservations, stockLots } from '../../db/schema.js';
import { createProduct } from '../support/fixtures.js';
import { inject } from 'vitest';
import { holdLock } from '../support/held-lock.js';
import { insertOrderRow } from '../support/order-rows.js';

const database = createDatabase(inject('databaseUrl'), { max: 20 });
const { db } = database;
const inventory = createInventoryActivities({ db });

/** Orders need a row before they can hold reservations. */
const newOrder = () => insertOrderRow(db, { status: 'reserving', type: 'regular' });

const line = (sku: string, quantity: number, lineNo = 1) => ({ lineNo, sku, quantity, madeToOrder: false });
const heldFor = async (sku: string) =>
  (await db.select().from(stockLots).where(eq(stockLots.sku, sku))).reduce((sum, lot) => sum + lot.reserved, 0);

beforeAll(async () => {
  await db.execute(sql`select 1`);
});
afterAll(() => database.close());

describe('reviseReservation', () => {
  it("swaps an order's stock for its new lines, counting its own units as free, and changes nothing when they cannot be covered", async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 4 }] });
    const extra = await createProduct(db, { lots: [{ onHand: 2 }] });
    const orderId = await newOrder();
    expect((await inventory.reserveStock({ orderId, lines: [line(sku, 3)] })).ok).toBe(true);

    // 4 units on hand, 3 of them this order's: 4 in all is possible, 5 is not.
    const refused = await inventory.reviseReservation({ orderId, lines: [line(sku, 5)] });
    expect(refused).toEqual({ ok: false, shortages: [{ lineNo: 1, sku, requested: 5, available: 4 }] });
    expect(await heldFor(sku)).toBe(3);

    const revised = await inventory.reviseReservation({ orderId, lines: [line(sku, 4), line(extra, 2, 2)] });
    expect(revised.ok).toBe(true);
    expect([await heldFor(sku), await heldFor(extra)]).toEqual([4, 2]);
    // The same lines again (a retry) change nothing.
    expect(await inventory.reviseReservation({ orderId, lines: [line(sku, 4), line(extra, 2, 2)] })).toEqual(revised);
    expect([await heldFor(sku), await heldFor(extra)]).toEqual([4, 2]);

    expect((await inventory.reviseReservation({ orderId, lines: [line(sku, 1)] })).ok).toBe(true);
    expect([await heldFor(sku), await heldFor(extra)]).toEqual([1, 0]);
    expect(await inventory.releaseStock({ orderId })).toEqual({ releasedUnits: 1 });
  });

  it('refuses once the stock has left the shelf', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 4 }] });
    const orderId = await newOrder();
    await inventory.reserveStock({ orderId, lines: [line(sku, 1)] });
    await inventory.commitStock({ orderId });
    await expect(inventory.reviseReservation({ orderId, lines: [line(sku, 2)] })).rejects.toThrow(
      'has already left the shelf',
    );
  });
});

describe('reserveStock', () => {
  it('takes the oldest lot first and only from warehouses that serve the category', async () => {
    const sku = await createProduct(db, {
      category: 'furniture',
      lots: [
        { onHand: 5, warehouseId: 'WH-BER', daysAgo: 90 }, // Berlin does not serve furniture
        { onHand: 2, warehouseId: 'WH-MUC', daysAgo: 10 },
        { onHand: 3, warehouseId: 'WH-MUC', daysAgo: 40 },
      ],
    });
    const orderId = await newOrder();
    const result = await inventory.reserveStock({ orderId, lines: [line(sku, 4)] });
    expect(result.ok).toBe(true);
    const lots = await db.select().from(stockLots).where(eq(stockLots.sku, sku));
    const byCode = Object.fromEntries(lots.map((l) => [l.lotCode.slice(-2), l.reserved]));
    expect(byCode).toEqual({ L1: 0, L2: 1, L3: 3 });
  });

  it('reserves all lines or none, and a repeat returns the first reservation', async () => {
    const plenty = await createProduct(db, { lots: [{ onHand: 10 }] });
    const scarce = await createProduct(db, { lots: [{ onHand: 1 }] });
    const orderId = await newOrder();
    const refused = await inventory.reserveStock({ orderId, lines: [line(plenty, 2, 1), line(scarce, 3, 2)] });
    expect(refused).toEqual({ ok: false, shortages: [{ lineNo: 2, sku: scarce, requested: 3, available: 1 }] });
    expect(await db.select().from(reservations).where(eq(reservations.orderId, orderId))).toHaveLength(0);

    const other = await newOrder();
    const first = await inventory.reserveStock({ orderId: other, lines: [line(plenty, 2)] });
    const second = await inventory.reserveStock({ orderId: other, lines: [line(plenty, 2)] });
    expect(second).toEqual(first);
    expect((await db.select().from(stockLots).where(eq(stockLots.sku, plenty)))[0]!.reserved).toBe(2);

    expect(await inventory.releaseStock({ orderId: other })).toEqual({ releasedUnits: 2 });
    // Asked again (an activity retry), the answer is the same and nothing moves twice.
    expect(await inventory.releaseStock({ orderId: other })).toEqual({ releasedUnits: 2 });
    expect((await db.select().from(stockLots).where(eq(stockLots.sku, plenty)))[0]!.reserved).toBe(0);
  });

  it('never oversells the last units to concurrent orders', async () => {
    for (let round = 0; round < 3; round += 1) {
      const sku = await createProduct(db, { lots: [{ onHand: 3 }, { onHand: 2 }] });
      const other = await createProduct(db, { lots: [{ onHand: 100 }] });
      const orderIds = await Promise.all(Array.from({ length: 16 }, () => newOrder()));
      // Half the orders also take another SKU, in the other line order, to provoke lock-order deadlocks.
      const results = await Promise.all(
        orderIds.map((orderId, i) =>
          inventory.reserveStock({
            orderId,
            lines: i % 2 ? [line(other, 1, 1), line(sku, 1, 2)] : [line(sku, 1, 1), line(other, 1, 2)],
          }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      const lots = await db.select().from(stockLots).where(eq(stockLots.sku, sku));
      expect(lots.every((l) => l.reserved === l.onHand)).toBe(true);
      const held = await db.select().from(reservations).where(eq(reservations.sku, sku));
      expect(held.reduce((sum, r) => sum + r.quantity, 0)).toBe(5);
    }
  });

  it('keeps the urgent reserve for urgent orders, so contended stock goes to them', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 3 }, { onHand: 2 }], urgentReserve: 2 });
    const regular = await inventory.reserveStock({ orderId: await newOrder(), lines: [line(sku, 4)] });
    expect(regular).toEqual({ ok: false, shortages: [{ lineNo: 1, sku, requested: 4, available: 3 }] });

    // Everyone wants the last units at once: the urgent order is served whatever the lock order.
    const contenders = await Promise.all([
      ...Array.from({ length: 4 }, async () =>
        inventory.reserveStock({ orderId: await newOrder(), lines: [line(sku, 1)] }),
      ),
      (async () => inventory.reserveStock({ orderId: await newOrder(), lines: [line(sku, 2)], urgent: true }))(),
    ]);
    expect(contenders.at(-1)!.ok).toBe(true);
    // Regular orders never dip into the reserve: how many of them fit depends on whether the urgent one came first.
    const regularsServed = contenders.slice(0, 4).filter((r) => r.ok).length;
    expect(regularsServed).toBeGreaterThanOrEqual(1);
    expect(regularsServed).toBeLessThanOrEqual(3);
    expect(await heldFor(sku)).toBe(2 + regularsServed);
  });

  it('counts earlier lines of the same SKU in one order', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 3 }] });
    const result = await inventory.reserveStock({
      orderId: await newOrder(),
      lines: [line(sku, 2, 1), line(sku, 2, 2)],
    });
    expect(result).toEqual({ ok: false, shortages: [{ lineNo: 2, sku, requested: 2, available: 1 }] });
    const fits = await inventory.reserveStock({ orderId: await newOrder(), lines: [line(sku, 2, 1), line(sku, 1, 2)] });
    expect(fits.ok).toBe(true);
    expect(await heldFor(sku)).toBe(3);
  });
});

/** Holds every lot of a SKU locked from another connection until released, as a slow transaction would. */
const holdLots = (sku: string) =>
  holdLock(inject('databaseUrl'), 'select id from stock_lots where sku = $1 order by id for update', [sku]);

/** Sessions of this database now waiting on a lock in a statement that mentions `table`. */
const waitingOn = async (table: string) =>
  (
    await db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike ${`%${table}%`}`,
    )
  )[0]!.n;

describe('reserveStock under lock contention', () => {
  it('reserves once when a retry starts while the first attempt still waits on a lot lock', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 5 }] });
    const orderId = await newOrder();
    // Another transaction holds the lots, so the first attempt waits; Temporal retries it after its timeout.
    const lots = await holdLots(sku);
    const first = inventory.reserveStock({ orderId, lines: [line(sku, 3)] });
    await expect.poll(() => waitingOn('stock_lots')).toBeGreaterThanOrEqual(1);
    const retry = inventory.reserveStock({ orderId, lines: [line(sku, 3)] });
    await expect.poll(() => waitingOn('orders')).toBeGreaterThanOrEqual(1);
    await lots.release();
    const [a, b] = await Promise.all([first, retry]);

    expect(a).toEqual(b);
    expect(await heldFor(sku)).toBe(3);
    expect(await db.select().from(reservations).where(eq(reservations.orderId, orderId))).toHaveLength(1);
  });

  it('gives up on a lot lock held too long, as a retryable failure, and changes nothing', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 5 }] });
    const orderId = await newOrder();
    const lots = await holdLots(sku);
    const started = Date.now();
    const attempt = await inventory.reserveStock({ orderId, lines: [line(sku, 3)] }).then(
      () => 'reserved',
      (error: { cause?: { code?: string }; code?: string }) => error.cause?.code ?? error.code,
    );
    await lots.release();
    // 55P03 lock_not_available, well inside the activity's 30 s: the next attempt starts clean.
    expect(attempt).toBe('55P03');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await heldFor(sku)).toBe(0);
  }, 30_000);
});

describe('restockReturnedGoods', () => {
  it('puts returned goods back once and gives the same answer when retried', async () => {
    const sku = await createProduct(db, { lots: [{ onHand: 5 }] });
    const orderId = await newOrder();
    expect((await inventory.reserveStock({ orderId, lines: [line(sku, 2)] })).ok).toBe(true);
    await inventory.commitStock({ orderId });
    expect(await inventory.restockReturnedGoods({ orderId })).toEqual({ restockedUnits: 2 });
    expect(await inventory.restockReturnedGoods({ orderId })).toEqual({ restockedUnits: 2 });
    const lots = await db.select().from(stockLots).where(eq(stockLots.sku, sku));
    expect(lots.reduce((sum, lot) => sum + lot.onHand, 0)).toBe(5);
  });
});
