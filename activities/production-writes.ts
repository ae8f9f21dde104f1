import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import {
  billOfMaterials,
  jobMaterials,
  materials,
  orderLines,
  orders,
  productionJobs,
  productionSpecs,
  products,
  purchaseOrders,
  suppliers,
} from '../db/schema.js';
import { FailureType } from '../domain/failure-types.js';
import { nextSequence, type Transaction } from './production-plan-store.js';

// The writes every production activity shares: locks in one order, jobs added with their material, material settled.

const DAY_MS = 86_400_000;

/** One made-to-order line as planning needs it: what, how many, where and how long per unit. */
export interface ProductionLine {
  lineNo: number;
  sku: string;
  quantity: number;
  workCentreId: string;
  minutesPerUnit: number;
}

/**
 * Serialises every production writer of one order, with a lock timeout well below the activity's 30 s:
 * a retried attempt waits for the one still running and then finds its work done.
 */
export async function lockOrder(tx: Transaction, orderId: string): Promise<void> {
  await tx.execute(sql`set local lock_timeout = '10s'`);
  const [order] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).for('no key update');
  if (!order)
    throw ApplicationFailure.nonRetryable(`order ${orderId} is not in the database`, FailureType.OrderNotFound);
}

/** The failure for a made-to-order product nobody said how to make: no retry can mend it. */
export const missingSpec = (sku: string) =>
  ApplicationFailure.nonRetryable(`${sku} is made to order but has no production spec`, 'ProductionSpecMissing');

/** The order's made-to-order lines with their production specs, by line. */
export async function madeToOrderLines(tx: Transaction, orderId: string): Promise<ProductionLine[]> {
  const rows = await tx
    .select({
      lineNo: orderLines.lineNo,
      sku: orderLines.sku,
      quantity: orderLines.quantity,
      workCentreId: productionSpecs.workCentreId,
      minutesPerUnit: productionSpecs.minutesPerUnit,
    })
    .from(orderLines)
    .innerJoin(products, eq(products.sku, orderLines.sku))
    .leftJoin(productionSpecs, eq(productionSpecs.sku, orderLines.sku))
    .where(and(eq(orderLines.orderId, orderId), eq(products.madeToOrder, true)))
    .orderBy(asc(orderLines.lineNo));
  return rows.map((row) => {
    if (row.workCentreId === null || row.minutesPerUnit === null) throw missingSpec(row.sku);
    return { ...row, workCentreId: row.workCentreId, minutesPerUnit: row.minutesPerUnit };
  });
}

/** The materials the products' bills of materials name. */
export async function billedMaterials(tx: Transaction, skus: string[]): Promise<string[]> {
  if (skus.length === 0) return [];
  const rows = await tx
    .selectDistinct({ materialId: billOfMaterials.materialId })
    .from(billOfMaterials)
    .where(inArray(billOfMaterials.sku, skus))
    .orderBy(asc(billOfMaterials.materialId));
  return rows.map((row) => row.materialId);
}

/**
 * Locks materials in the one order every material writer uses, ascending id. Lock order across the
 * production tables: the order row, then its work centres (by id), then materials (by id), then jobs.
 */
export async function lockMaterials(tx: Transaction, materialIds: string[]): Promise<void> {
  if (materialIds.length === 0) return;
  await tx
    .select({ id: materials.id })
    .from(materials)
    .where(inArray(materials.id, [...new Set(materialIds)]))
    .orderBy(asc(materials.id))
    .for('update');
}

/**
 * Adds a planned job for a line (times are set by the replan that follows): holds its material, and
 * orders from each material's supplier what free stock (on hand − held, at least 0) cannot cover; the
 * job's material is ready when the last of those orders is due, else now. Materials must be locked.
 */
export async function addJob(
  tx: Transaction,
  job: ProductionLine & { id: string; orderId: string; urgent: boolean; now: string; replaces?: string },
): Promise<void> {
  const needs = await tx
    .select({
      materialId: materials.id,
      perUnit: billOfMaterials.quantityPerUnit,
      onHand: materials.onHand,
      reserved: materials.reserved,
      supplierId: materials.supplierId,
      leadTimeDays: suppliers.leadTimeDays,
    })
    .from(billOfMaterials)
    .innerJoin(materials, eq(materials.id, billOfMaterials.materialId))
    .innerJoin(suppliers, eq(suppliers.id, materials.supplierId))
    .where(eq(billOfMaterials.sku, job.sku))
    .orderBy(asc(materials.id));
  const now = new Date(job.now);
  const shortfalls = needs.flatMap((need) => {
    const quantity = need.perUnit * job.quantity;
    const short = quantity - Math.max(0, need.onHand - need.reserved);
    return short > 0 ? [{ ...need, short, dueAt: new Date(now.getTime() + need.leadTimeDays * DAY_MS) }] : [];
  });
  const materialReadyAt = new Date(Math.max(now.getTime(), ...shortfalls.map((s) => s.dueAt.getTime())));
  await tx.insert(productionJobs).values({
    id: job.id,
    orderId: job.orderId,
    lineNo: job.lineNo,
    sku: job.sku,
    quantity: job.quantity,
    workCentreId: job.workCentreId,
    urgent: job.urgent,
    status: 'planned',
    sequence: await nextSequence(tx, job.workCentreId),
    minutes: job.quantity * job.minutesPerUnit,
    materialReadyAt,
    plannedStart: materialReadyAt,
    plannedEnd: materialReadyAt,
    replaces: job.replaces ?? null,
  });
  for (const need of needs) {
    const quantity = need.perUnit * job.quantity;
    await tx
      .update(materials)
      .set({ reserved: sql`${materials.reserved} + ${quantity}` })
      .where(eq(materials.id, need.materialId));
    await tx.insert(jobMaterials).values({ jobId: job.id, materialId: need.materialId, quantity });
  }
  for (const shortfall of shortfalls)
    await tx.insert(purchaseOrders).values({
      supplierId: shortfall.supplierId,
      materialId: shortfall.materialId,
      quantity: shortfall.short,
      jobId: job.id,
      orderedAt: now,
      dueAt: shortfall.dueAt,
    });
}

/**
 * Settles the material still held for the given jobs: released gives it back (held goes down);
 * consumed uses it up (held goes down, and on hand by as much as there is). Material already settled
 * is left alone, so a repeat changes nothing.
 */
export async function settleMaterials(tx: Transaction, jobIds: string[], how: 'released' | 'consumed'): Promise<void> {
  if (jobIds.length === 0) return;
  const held = await tx
    .select()
    .from(jobMaterials)
    .where(and(inArray(jobMaterials.jobId, jobIds), eq(jobMaterials.status, 'reserved')))
    .orderBy(asc(jobMaterials.materialId), asc(jobMaterials.jobId));
  await lockMaterials(
    tx,
    held.map((row) => row.materialId),
  );
  for (const row of held) {
    await tx
      .update(materials)
      .set(
        how === 'released'
          ? { reserved: sql`${materials.reserved} - ${row.quantity}` }
          : {
              reserved: sql`${materials.reserved} - ${row.quantity}`,
              onHand: sql`${materials.onHand} - least(${row.quantity}, ${materials.onHand})`,
            },
      )
      .where(eq(materials.id, row.materialId));
    await tx
      .update(jobMaterials)
      .set({ status: how })
      .where(and(eq(jobMaterials.jobId, row.jobId), eq(jobMaterials.materialId, row.materialId)));
  }
}
