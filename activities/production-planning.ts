import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { jobMaterials, productionJobs, productionSpecs } from '../db/schema.js';
import { notAllowed } from '../domain/failure-types.js';
import {
  OPEN_JOB_STATUSES,
  type MaterialOrder,
  type PlannedJob,
  type ProductionPlan,
  type ReplannedOrder,
} from '../domain/production.js';
import type { ActivityDeps } from './deps.js';
import { tellingMovedOrders } from './production-notices.js';
import { materialOrdersFor, readPlan, replanAround, toPlannedJob, type Transaction } from './production-plan-store.js';
import {
  addJob,
  billedMaterials,
  lockMaterials,
  lockOrder,
  madeToOrderLines,
  missingSpec,
  settleMaterials,
} from './production-writes.js';

const OPEN = [...OPEN_JOB_STATUSES];

/** Production planning of made-to-order lines: jobs in their work centres' plans, material held or ordered for them. */
export function createProductionPlanningActivities({ db, temporal }: Pick<ActivityDeps, 'db' | 'temporal'>) {
  const tellingMoved = tellingMovedOrders(db, temporal);
  return {
    /**
     * Makes one job per made-to-order line (`<orderId>-J<lineNo>`, quantity × minutes per unit), holds
     * its material from the bill of materials, orders from the supplier what free stock cannot cover
     * (the job waits for it), puts it last in its urgency class and replans its work centre. Returns the
     * order's jobs, promised date, material orders and the other orders it pushed back. An order that
     * already has jobs gets its current plan back (and no `replanned`): nothing is made twice.
     */
    async planProduction(input: { orderId: string; urgent: boolean; now: string }): Promise<ProductionPlan> {
      return tellingMoved(input.orderId, () =>
        db.transaction(async (tx) => {
          await lockOrder(tx, input.orderId);
          const [planned] = await tx
            .select({ id: productionJobs.id })
            .from(productionJobs)
            .where(eq(productionJobs.orderId, input.orderId))
            .limit(1);
          if (planned) return { ...(await currentPlan(tx, input.orderId)), replanned: [] };
          const lines = await madeToOrderLines(tx, input.orderId);
          if (lines.length === 0)
            throw ApplicationFailure.nonRetryable(
              `order ${input.orderId} has no made-to-order line`,
              'NothingToProduce',
            );
          const { replanned } = await replanAround(
            tx,
            {
              workCentreIds: lines.map((line) => line.workCentreId),
              now: input.now,
              reason: input.urgent ? 'urgent_job_planned' : 'job_planned',
              actingOrderId: input.orderId,
            },
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
        }),
      );
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
      return tellingMoved(input.orderId, () =>
        db.transaction(async (tx) => {
          await lockOrder(tx, input.orderId);
          const open = await tx
            .select({ id: productionJobs.id, workCentreId: productionJobs.workCentreId })
            .from(productionJobs)
            .where(and(eq(productionJobs.orderId, input.orderId), inArray(productionJobs.status, OPEN)))
            .orderBy(asc(productionJobs.id));
          const { replanned } = await replanAround(
            tx,
            {
              workCentreIds: open.map((job) => job.workCentreId),
              now: input.now,
              reason: 'order_cancelled',
              actingOrderId: input.orderId,
            },
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
        }),
      );
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
      return tellingMoved(input.orderId, () =>
        db.transaction(async (tx) => {
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
            {
              workCentreIds: [job.workCentreId, spec.workCentreId],
              now: input.now,
              reason: 'job_scrapped',
              actingOrderId: input.orderId,
            },
            async () => {
              const held = await tx
                .select({ materialId: jobMaterials.materialId })
                .from(jobMaterials)
                .where(eq(jobMaterials.jobId, job.id))
                .orderBy(asc(jobMaterials.materialId));
              await lockMaterials(tx, [
                ...held.map((row) => row.materialId),
                ...(await billedMaterials(tx, [job.sku])),
              ]);
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
        }),
      );
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
