import { asc, eq, inArray } from 'drizzle-orm';
import { productionJobs } from '../db/schema.js';
import { notAllowed } from '../domain/failure-types.js';
import type { RevisedProduction } from '../domain/production.js';
import type { ActivityDeps } from './deps.js';
import { tellingMovedOrders } from './production-notices.js';
import { readPlan, replanAround } from './production-plan-store.js';
import {
  addJob,
  billedMaterials,
  lockMaterials,
  lockOrder,
  madeToOrderLines,
  settleMaterials,
} from './production-writes.js';

/** Planning again when an order's lines change before its production started. */
export function createProductionRevisionActivities({ db, temporal }: Pick<ActivityDeps, 'db' | 'temporal'>) {
  const tellingMoved = tellingMovedOrders(db, temporal);
  return {
    /**
     * Replaces the order's planned jobs with jobs for its lines as revision `revision` left them
     * (`<orderId>-J<lineNo>-E<revision>`): the old jobs are cancelled and their material released,
     * the new ones hold (or order) theirs, and the work centres are replanned. Refused once any job
     * started. Asked again for the same revision, it returns the plan it made.
     */
    async reviseProduction(input: {
      orderId: string;
      revision: number;
      urgent: boolean;
      now: string;
    }): Promise<RevisedProduction> {
      const { orderId, revision, urgent, now } = input;
      const suffix = `-E${revision}`;
      return tellingMoved(orderId, () =>
        db.transaction(async (tx) => {
          await lockOrder(tx, orderId);
          const jobs = await tx
            .select()
            .from(productionJobs)
            .where(eq(productionJobs.orderId, orderId))
            .orderBy(asc(productionJobs.id));
          if (jobs.some((job) => job.id.endsWith(suffix)))
            return { ...(await readPlan(tx, orderId)), cancelledJobs: [], replanned: [] };
          const started = jobs.filter((job) => job.status !== 'planned' && job.status !== 'cancelled');
          if (started.length > 0)
            throw notAllowed(
              `production has started (${started.map((job) => job.id).join(', ')}): lines can no longer change`,
            );
          const planned = jobs.filter((job) => job.status === 'planned');
          const lines = await madeToOrderLines(tx, orderId);
          const { replanned } = await replanAround(
            tx,
            {
              workCentreIds: [...planned.map((job) => job.workCentreId), ...lines.map((line) => line.workCentreId)],
              now,
              reason: 'lines_changed',
              actingOrderId: orderId,
            },
            async () => {
              const skus = [...new Set([...planned, ...lines].map((item) => item.sku))];
              await lockMaterials(tx, await billedMaterials(tx, skus));
              const cancelled = planned.map((job) => job.id);
              if (cancelled.length > 0)
                await tx
                  .update(productionJobs)
                  .set({ status: 'cancelled' })
                  .where(inArray(productionJobs.id, cancelled));
              await settleMaterials(tx, cancelled, 'released');
              for (const line of lines)
                await addJob(tx, { ...line, id: `${orderId}-J${line.lineNo}${suffix}`, orderId, urgent, now });
            },
          );
          return { ...(await readPlan(tx, orderId)), cancelledJobs: planned.map((job) => job.id), replanned };
        }),
      );
    },
  };
}
