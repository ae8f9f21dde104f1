import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { productionJobs, purchaseOrders } from '../db/schema.js';
import type { ReplannedOrder } from '../domain/production.js';
import { replanAround } from './production-plan-store.js';
import { lockOrder } from './production-writes.js';

/**
 * A purchase order arrived: the planned job that ordered it, once none of its purchase orders is
 * still open, has its material now instead of at the due date, and its work centre is replanned.
 * Returns every order whose promised date moved (the job's own included), for them to be told.
 */
export async function materialArrived(db: Database, purchaseOrderId: number, now: string): Promise<ReplannedOrder[]> {
  return db.transaction(async (tx) => {
    const [arrived] = await tx.select().from(purchaseOrders).where(eq(purchaseOrders.id, purchaseOrderId));
    if (!arrived?.jobId) return [];
    const [job] = await tx.select().from(productionJobs).where(eq(productionJobs.id, arrived.jobId));
    if (!job || job.status !== 'planned') return [];
    await lockOrder(tx, job.orderId);
    const stillOpen = await tx
      .select({ id: purchaseOrders.id })
      .from(purchaseOrders)
      .where(and(eq(purchaseOrders.jobId, job.id), isNull(purchaseOrders.receivedAt)))
      .orderBy(asc(purchaseOrders.id));
    if (stillOpen.length > 0) return [];
    const { replanned } = await replanAround(
      tx,
      { workCentreIds: [job.workCentreId], now, reason: 'material_arrived' },
      async () => {
        await tx
          .update(productionJobs)
          .set({ materialReadyAt: new Date(now) })
          .where(
            and(
              eq(productionJobs.id, job.id),
              eq(productionJobs.status, 'planned'),
              gt(productionJobs.materialReadyAt, new Date(now)),
            ),
          );
      },
    );
    return replanned;
  });
}
