import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
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
import { FailureType, notAllowed } from '../domain/failure-types.js';
import {
  OPEN_JOB_STATUSES,
  type MaterialOrder,
  type PlannedJob,
  type ProductionPlan,
  type ReplannedOrder,
} from '../domain/production.js';
import type { ActivityDeps } from './deps.js';
import {
  materialOrdersFor,
  nextSequence,
  readPlan,
  replanAround,
  toPlannedJob,
  type Transaction,
} from './production-plan-store.js';

const DAY_MS = 86_400_000;
const OPEN = [...OPEN_JOB_STATUSES];

/** Production planning of made-to-order lines: jobs in their work centres' plans, material held or ordered for them. */
export function createProductionPlanningActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * Makes one job per made-to-order line (`<orderId>-J<lineNo>`, quantity × minutes per unit), holds
     * its material from the bill of materials, orders from the supplier what free stock cannot cover
     * (the job waits for it), puts it last in its urgency class and replans its work centre. Returns the
     * order's jobs, promised date, material orders and the other orders it pushed back. An order that
     * already has jobs gets its current plan back (and no `replanned`): nothing is made twice.
     */
    async planProduction(input: { orderId: string; urgent: boolean; now: string }): Promise<ProductionPlan> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const [planned] = await tx
          .select({ id: productionJobs.id })
          .from(productionJobs)
          .where(eq(productionJobs.orderId, input.orderId))
          .limit(1);
        if (planned) return { ...(await currentPlan(tx, input.orderId)), replanned: [] };
        const lines = await madeToOrderLines(tx, input.orderId);
        if (lines.length === 0)
          throw ApplicationFailure.nonRetryable(`order ${input.orderId} has no made-to-order line`, 'NothingToProduce');
        const { replanned } = await replanAround(
          tx,
          { workCentreIds: lines.map((line) => line.workCentreId), now: input.now, actingOrderId: input.orderId },
          async () => {
            await lockMaterials(tx, await billedMaterials(tx, [...new Set(lines.map((line) => line.sku))]));
            for (const line of lines)
              await addJob(tx, {
                ...line,
                id: `${input.orderId}-J${line.lineNo}`,
                orderId: input.orderId,
                urgent: input.urgent,
                now: input.now,
              });
          },
        );
        return { ...(await currentPlan(tx, input.orderId)), replanned };
      });
    },

    /**
     * Cancels every open job of the order, releases the material held for them (purchase orders stay:
     * the stock is still useful) and replans their work centres, pulling other orders forward. Asked
     * again, it names the same cancelled jobs and replans nothing.
     */
    async cancelProduction(input: {
      orderId: string;
      now: string;
    }): Promise<{ cancelledJobs: string[]; replanned: ReplannedOrder[] }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const open = await tx
          .select({ id: productionJobs.id, workCentreId: productionJobs.workCentreId })
          .from(productionJobs)
          .where(and(eq(productionJobs.orderId, input.orderId), inArray(productionJobs.status, OPEN)))
          .orderBy(asc(productionJobs.id));
        const { replanned } = await replanAround(
          tx,
          { workCentreIds: open.map((job) => job.workCentreId), now: input.now, actingOrderId: input.orderId },
          async () => {
            // Only jobs still open once the work centre is locked: one finished meanwhile keeps its material.
            const cancelled = await tx
              .update(productionJobs)
              .set({ status: 'cancelled' })
              .where(
                and(
                  eq(productionJobs.orderId, input.orderId),
                  inArray(productionJobs.status, OPEN),
                  inArray(
                    productionJobs.id,
                    open.map((job) => job.id),
                  ),
                ),
              )
              .returning({ id: productionJobs.id });
            await settleMaterials(
              tx,
              cancelled.map((job) => job.id),
              'released',
            );
          },
        );
        const cancelled = await tx
          .select({ id: productionJobs.id })
          .from(productionJobs)
          .where(and(eq(productionJobs.orderId, input.orderId), eq(productionJobs.status, 'cancelled')))
          .orderBy(asc(productionJobs.id));
        return { cancelledJobs: cancelled.map((job) => job.id), replanned };
      });
    },

    /**
     * Scraps a job (its material is used up) and plans a new one for the same line in its place:
     * `<root job id>-R<n>`, `replaces` the scrapped job, the same urgency, last in its urgency class,
     * with fresh material (ordered when short). Asked again, it returns the same replacement.
     */
    async replaceScrappedJob(input: { orderId: string; jobId: string; now: string }): Promise<{
      job: PlannedJob;
      promisedDate: string;
      materialOrders: MaterialOrder[];
      replanned: ReplannedOrder[];
    }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const [job] = await tx
          .select()
          .from(productionJobs)
          .where(and(eq(productionJobs.id, input.jobId), eq(productionJobs.orderId, input.orderId)));
        if (!job)
          throw ApplicationFailure.nonRetryable(`order ${input.orderId} has no job ${input.jobId}`, 'JobNotFound');
        const [existing] = await tx.select().from(productionJobs).where(eq(productionJobs.replaces, job.id));
        if (existing) return { ...(await replacementPlan(tx, existing)), replanned: [] };
        if (job.status === 'done' || job.status === 'cancelled')
          throw notAllowed(`job ${job.id} is ${job.status}: it cannot be scrapped`);
        const [spec] = await tx.select().from(productionSpecs).where(eq(productionSpecs.sku, job.sku));
        if (!spec) throw missingSpec(job.sku);
        const { result: replacementId, replanned } = await replanAround(
          tx,
          { workCentreIds: [job.workCentreId, spec.workCentreId], now: input.now, actingOrderId: input.orderId },
          async () => {
            const held = await tx
              .select({ materialId: jobMaterials.materialId })
              .from(jobMaterials)
              .where(eq(jobMaterials.jobId, job.id))
              .orderBy(asc(jobMaterials.materialId));
            await lockMaterials(tx, [...held.map((row) => row.materialId), ...(await billedMaterials(tx, [job.sku]))]);
            await tx.update(productionJobs).set({ status: 'scrapped' }).where(eq(productionJobs.id, job.id));
            await settleMaterials(tx, [job.id], 'consumed');
            const id = await replacementIdFor(tx, job);
            await addJob(tx, {
              id,
              orderId: job.orderId,
              lineNo: job.lineNo,
              sku: job.sku,
              quantity: job.quantity,
              workCentreId: spec.workCentreId,
              minutesPerUnit: spec.minutesPerUnit,
              urgent: job.urgent,
              replaces: job.id,
              now: input.now,
            });
            return id;
          },
        );
        const [replacement] = await tx.select().from(productionJobs).where(eq(productionJobs.id, replacementId));
        return { ...(await replacementPlan(tx, replacement!)), replanned };
      });
    },

    /** Uses up the material held for the order's finished jobs (on hand and held both go down); once only, the same answer again. */
    async finishProduction(input: { orderId: string }): Promise<{ consumed: number }> {
      return db.transaction(async (tx) => {
        await lockOrder(tx, input.orderId);
        const done = await tx
          .select({ id: productionJobs.id })
          .from(productionJobs)
          .where(and(eq(productionJobs.orderId, input.orderId), eq(productionJobs.status, 'done')))
          .orderBy(asc(productionJobs.id));
        const doneIds = done.map((job) => job.id);
        await settleMaterials(tx, doneIds, 'consumed');
        if (doneIds.length === 0) return { consumed: 0 };
        const [row] = await tx
          .select({ consumed: sql<number>`coalesce(sum(${jobMaterials.quantity}), 0)` })
          .from(jobMaterials)
          .where(and(inArray(jobMaterials.jobId, doneIds), eq(jobMaterials.status, 'consumed')));
        return { consumed: Number(row?.consumed ?? 0) };
      });
    },
  };
}

/** One made-to-order line as planning needs it: what, how many, where and how long per unit. */
interface ProductionLine {
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
async function lockOrder(tx: Transaction, orderId: string): Promise<void> {
  await tx.execute(sql`set local lock_timeout = '10s'`);
  const [order] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).for('no key update');
  if (!order)
    throw ApplicationFailure.nonRetryable(`order ${orderId} is not in the database`, FailureType.OrderNotFound);
}

const missingSpec = (sku: string) =>
  ApplicationFailure.nonRetryable(`${sku} is made to order but has no production spec`, 'ProductionSpecMissing');

/** The order's made-to-order lines with their production specs, by line. */
async function madeToOrderLines(tx: Transaction, orderId: string): Promise<ProductionLine[]> {
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
async function billedMaterials(tx: Transaction, skus: string[]): Promise<string[]> {
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
async function lockMaterials(tx: Transaction, materialIds: string[]): Promise<void> {
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
async function addJob(
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
async function settleMaterials(tx: Transaction, jobIds: string[], how: 'released' | 'consumed'): Promise<void> {
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

/** The order's plan as it stands; an order whose every job was cancelled has none left to give. */
async function currentPlan(tx: Transaction, orderId: string) {
  const plan = await readPlan(tx, orderId);
  if (plan.promisedDate === null)
    throw ApplicationFailure.nonRetryable(
      `order ${orderId} has no production left: its jobs were cancelled`,
      'ProductionCancelled',
    );
  return { ...plan, promisedDate: plan.promisedDate };
}

/** A replacement job with its order's promised date and the material ordered for it. */
async function replacementPlan(tx: Transaction, replacement: typeof productionJobs.$inferSelect) {
  return {
    job: toPlannedJob(replacement),
    promisedDate: (await currentPlan(tx, replacement.orderId)).promisedDate,
    materialOrders: await materialOrdersFor(tx, [replacement]),
  };
}

/** `<first job of the line>-R<n>`: the n-th replacement of the line's job, whoever it replaces. */
async function replacementIdFor(tx: Transaction, scrapped: typeof productionJobs.$inferSelect): Promise<string> {
  const earlier = await tx
    .select({ id: productionJobs.id })
    .from(productionJobs)
    .where(
      and(
        eq(productionJobs.orderId, scrapped.orderId),
        eq(productionJobs.lineNo, scrapped.lineNo),
        isNotNull(productionJobs.replaces),
      ),
    )
    .orderBy(asc(productionJobs.id));
  return `${scrapped.id.replace(/-R\d+$/, '')}-R${earlier.length + 1}`;
}
