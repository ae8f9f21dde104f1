import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { orders, products, reservations, stockLots, warehouses } from '../db/schema.js';
import type { ActivityDeps } from './deps.js';
import type { Allocation, OrderLineRef, Shortage } from '../domain/order-lines.js';

/** The result of trying to reserve an order's stock: all of it, or nothing and the shortages. */
export type ReservationResult = { ok: true; allocations: Allocation[] } | { ok: false; shortages: Shortage[] };

/** Stock reservation and release, FIFO by lot, restricted to warehouses that serve the category. */
export function createInventoryActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** Reserves every stocked line of an order or none; a second call returns the first call's reservations. */
    async reserveStock(input: {
      orderId: string;
      lines: OrderLineRef[];
      urgent?: boolean;
    }): Promise<ReservationResult> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const existing = await tx
          .select()
          .from(reservations)
          .where(eq(reservations.orderId, input.orderId))
          .orderBy(asc(reservations.lineNo), asc(reservations.lotId));
        if (existing.length > 0)
          return { ok: true, allocations: existing.filter((r) => r.status !== 'released').map(toAllocation) };
        const { allocations, shortages } = await allocate(tx, input.lines, input.urgent ?? false);
        if (shortages.length > 0) return { ok: false, shortages };
        await hold(tx, input.orderId, allocations);
        return { ok: true, allocations };
      });
    },

    /**
     * Swaps an edited order's held stock for stock that covers its new lines, in one transaction:
     * the order's own units count as free, and when the new lines cannot be covered nothing changes.
     * Asking again for lines already held returns the holding as it is.
     */
    async reviseReservation(input: {
      orderId: string;
      lines: OrderLineRef[];
      urgent?: boolean;
    }): Promise<ReservationResult> {
      try {
        return await db.transaction(async (tx) => {
          await lockOrder(tx, input.orderId);
          const held = await lockReservations(tx, input.orderId, ['reserved', 'committed']);
          if (held.some((r) => r.status === 'committed')) {
            throw ApplicationFailure.create({
              type: 'StockCommitted',
              message: `order ${input.orderId} has already left the shelf`,
              nonRetryable: true,
            });
          }
          if (covers(held, input.lines)) return { ok: true, allocations: byLine(held.map(toAllocation)) };
          // The lots it gives back and the lots it may take, locked together in the one global order.
          await lockLots(tx, { lotIds: held.map((r) => r.lotId), skus: stockedSkus(input.lines) });
          for (const reservation of held) {
            await tx
              .update(stockLots)
              .set({ reserved: sql`${stockLots.reserved} - ${reservation.quantity}` })
              .where(eq(stockLots.id, reservation.lotId));
          }
          if (held.length > 0)
            await tx.delete(reservations).where(
              inArray(
                reservations.id,
                held.map((r) => r.id),
              ),
            );
          const { allocations, shortages } = await allocate(tx, input.lines, input.urgent ?? false);
          if (shortages.length > 0) throw new StillShort(shortages);
          await hold(tx, input.orderId, allocations);
          return { ok: true, allocations: byLine(allocations) };
        });
      } catch (error) {
        if (error instanceof StillShort) return { ok: false, shortages: error.shortages };
        throw error;
      }
    },

    /** Gives back an unshipped order's stock: held units are freed, committed units return to the shelf; once only, the same answer when asked again. */
    async releaseStock(input: { orderId: string }): Promise<{ releasedUnits: number }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const held = await lockReservations(tx, input.orderId, ['reserved', 'committed']);
        // A retry after the first call succeeded reports the same units, so the list of what was undone stays whole.
        if (held.length === 0) return { releasedUnits: units(await lockReservations(tx, input.orderId, ['released'])) };
        for (const reservation of held) {
          const back =
            reservation.status === 'reserved'
              ? { reserved: sql`${stockLots.reserved} - ${reservation.quantity}` }
              : { onHand: sql`${stockLots.onHand} + ${reservation.quantity}` };
          await tx.update(stockLots).set(back).where(eq(stockLots.id, reservation.lotId));
        }
        await markReservations(tx, held, 'released');
        return { releasedUnits: units(held) };
      });
    },

    /** Turns an order's reservations into shipped stock: on hand and reserved both go down; once only. */
    async commitStock(input: { orderId: string }): Promise<{ committedUnits: number }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const held = await lockReservations(tx, input.orderId, ['reserved']);
        for (const reservation of held) {
          await tx
            .update(stockLots)
            .set({
              onHand: sql`${stockLots.onHand} - ${reservation.quantity}`,
              reserved: sql`${stockLots.reserved} - ${reservation.quantity}`,
            })
            .where(eq(stockLots.id, reservation.lotId));
        }
        await markReservations(tx, held, 'committed');
        return { committedUnits: units(held) };
      });
    },

    /** Puts a returned order's goods back as new lots in the warehouses they left (FIFO: they sell last); once only. */
    async restockReturnedGoods(input: { orderId: string }): Promise<{ restockedUnits: number }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const shipped = await lockReservations(tx, input.orderId, ['committed']);
        // A retry after the first call succeeded reports the same units, so the return's timeline entry stays true.
        if (shipped.length === 0)
          return { restockedUnits: units(await lockReservations(tx, input.orderId, ['returned'])) };
        await tx.insert(stockLots).values(
          shipped.map((r) => ({
            sku: r.sku,
            warehouseId: r.warehouseId,
            lotCode: `RET-${input.orderId}-${r.id}`,
            receivedAt: new Date(),
            onHand: r.quantity,
          })),
        );
        await markReservations(tx, shipped, 'returned');
        return { restockedUnits: units(shipped) };
      });
    },
  };
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
type Reservation = typeof reservations.$inferSelect;

/** Rolls a revision back: the new lines cannot be covered, the order keeps what it held. */
class StillShort extends Error {
  constructor(readonly shortages: Shortage[]) {
    super('stock cannot cover the revised lines');
  }
}

/** Finds stock for every stocked line, FIFO by lot in warehouses that serve the category; changes nothing. */
async function allocate(
  tx: Transaction,
  lines: OrderLineRef[],
  urgent: boolean,
): Promise<{ allocations: Allocation[]; shortages: Shortage[] }> {
  const allocations: Allocation[] = [];
  const shortages: Shortage[] = [];
  // Two lines may ask for the same SKU (different customizations): count what earlier lines took.
  const takenFromLot = new Map<number, number>();
  const stocked = lines
    .filter((line) => !line.madeToOrder)
    .sort((a, b) => a.sku.localeCompare(b.sku) || a.lineNo - b.lineNo);
  await lockLots(tx, { skus: stockedSkus(lines) });
  for (const line of stocked) {
    const lots = await tx
      .select({
        id: stockLots.id,
        warehouseId: stockLots.warehouseId,
        free: sql<number>`${stockLots.onHand} - ${stockLots.reserved}`,
        urgentReserve: products.urgentReserve,
      })
      .from(stockLots)
      .innerJoin(products, eq(products.sku, stockLots.sku))
      .innerJoin(warehouses, eq(warehouses.id, stockLots.warehouseId))
      .where(
        and(
          eq(stockLots.sku, line.sku),
          sql`${products.category} = any(${warehouses.categories})`,
          sql`${stockLots.onHand} > ${stockLots.reserved}`,
        ),
      )
      .orderBy(asc(stockLots.receivedAt), asc(stockLots.id));
    // Regular orders leave the product's urgent reserve alone, so contended stock goes to urgent orders.
    const freeIn = (lot: (typeof lots)[number]) => Number(lot.free) - (takenFromLot.get(lot.id) ?? 0);
    const free = lots.reduce((sum, lot) => sum + freeIn(lot), 0);
    const usable = urgent ? free : Math.max(0, free - (lots[0]?.urgentReserve ?? 0));
    let needed = line.quantity;
    let budget = usable;
    for (const lot of lots) {
      if (needed === 0 || budget === 0) break;
      const take = Math.min(needed, freeIn(lot), budget);
      if (take === 0) continue;
      budget -= take;
      takenFromLot.set(lot.id, (takenFromLot.get(lot.id) ?? 0) + take);
      allocations.push({
        lineNo: line.lineNo,
        sku: line.sku,
        lotId: lot.id,
        warehouseId: lot.warehouseId,
        quantity: take,
      });
      needed -= take;
    }
    if (needed > 0)
      shortages.push({
        lineNo: line.lineNo,
        sku: line.sku,
        requested: line.quantity,
        available: line.quantity - needed,
      });
  }
  return { allocations, shortages };
}

/**
 * Every stock writer first locks the order it works for, with a lock timeout well below the activity's
 * 30 s: a retried attempt waits for (or outlives) the one still holding the lock and then finds its
 * work done, instead of doing it a second time beside it.
 */
async function lockOrder(tx: Transaction, orderId: string): Promise<void> {
  await tx.execute(sql`set local lock_timeout = '10s'`);
  await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).for('no key update');
}

/**
 * Locks stock lots in the one global order every writer uses, ascending lot id, so two transactions
 * never wait on each other in a circle: the given lots and every lot of the given SKUs.
 */
async function lockLots(tx: Transaction, which: { lotIds?: number[]; skus: string[] }): Promise<void> {
  const lotIds = which.lotIds ?? [];
  if (lotIds.length === 0 && which.skus.length === 0) return;
  const bySku = which.skus.length > 0 ? inArray(stockLots.sku, which.skus) : undefined;
  const byId = lotIds.length > 0 ? inArray(stockLots.id, lotIds) : undefined;
  await tx
    .select({ id: stockLots.id })
    .from(stockLots)
    .where(bySku && byId ? or(bySku, byId) : (bySku ?? byId))
    .orderBy(asc(stockLots.id))
    .for('update');
}

const stockedSkus = (lines: OrderLineRef[]) => [
  ...new Set(lines.filter((line) => !line.madeToOrder).map((line) => line.sku)),
];

/** Holds allocated stock for an order: lots count it as reserved, reservations remember where it is. */
async function hold(tx: Transaction, orderId: string, allocations: Allocation[]): Promise<void> {
  for (const allocation of allocations) {
    await tx
      .update(stockLots)
      .set({ reserved: sql`${stockLots.reserved} + ${allocation.quantity}` })
      .where(eq(stockLots.id, allocation.lotId));
  }
  if (allocations.length > 0) await tx.insert(reservations).values(allocations.map((a) => ({ ...a, orderId })));
}

/** Allocations in line order, then lot order: the same holding always reads the same. */
const byLine = (allocations: Allocation[]) => [...allocations].sort((a, b) => a.lineNo - b.lineNo || a.lotId - b.lotId);

/** Whether held stock is exactly what the lines ask for, line by line. */
function covers(held: Reservation[], lines: OrderLineRef[]): boolean {
  const key = (lineNo: number, sku: string) => `${lineNo}:${sku}`;
  const wanted = new Map(
    lines.filter((line) => !line.madeToOrder).map((line) => [key(line.lineNo, line.sku), line.quantity]),
  );
  const got = new Map<string, number>();
  for (const r of held) got.set(key(r.lineNo, r.sku), (got.get(key(r.lineNo, r.sku)) ?? 0) + r.quantity);
  return wanted.size === got.size && [...wanted].every(([k, quantity]) => got.get(k) === quantity);
}

/** Locks an order's reservations in the given states, in lot order like every other stock writer. */
function lockReservations(
  tx: Transaction,
  orderId: string,
  statuses: Array<Reservation['status']>,
): Promise<Reservation[]> {
  return tx
    .select()
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), inArray(reservations.status, statuses)))
    .orderBy(asc(reservations.lotId))
    .for('update');
}

async function markReservations(tx: Transaction, rows: Reservation[], status: Reservation['status']): Promise<void> {
  if (rows.length > 0)
    await tx
      .update(reservations)
      .set({ status })
      .where(
        inArray(
          reservations.id,
          rows.map((r) => r.id),
        ),
      );
}

const units = (rows: Reservation[]) => rows.reduce((sum, r) => sum + r.quantity, 0);

function toAllocation(row: typeof reservations.$inferSelect): Allocation {
  return { lineNo: row.lineNo, sku: row.sku, lotId: row.lotId, warehouseId: row.warehouseId, quantity: row.quantity };
}
