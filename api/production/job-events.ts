import { and, eq, isNull } from 'drizzle-orm';
import { productionEvents } from '../../db/schema.js';
import { productionNewsSignal, type ProductionJobEvent } from '../../workflows/messages.js';
import { Problem } from '../problems.js';
import { tellOrder } from '../tell-order.js';
import type { ProductionEventBody } from './job-schemas.js';
import { CLOSED_JOB_STATUSES, findJob, idTaken, type ShopFloorDeps } from './shop-floor-jobs.js';

type ProductionEventRow = typeof productionEvents.$inferSelect;

/** The workflow's message for a recorded factory event. */
export const productionEventNews = (row: ProductionEventRow): ProductionJobEvent => ({
  eventId: row.id,
  kind: row.type,
  jobId: row.jobId,
  ...(row.progress === null ? {} : { progress: row.progress }),
  occurredAt: row.occurredAt.toISOString(),
});

/** Tells the job's order about a recorded factory event; marks it delivered unless Temporal refused. */
export async function deliverProductionEvent(deps: ShopFloorDeps, orderId: string, row: ProductionEventRow) {
  const told = await tellOrder(
    deps.temporal,
    orderId,
    productionNewsSignal,
    [productionEventNews(row)],
    deps.onRefused,
  );
  if (told)
    await deps.db
      .update(productionEvents)
      .set({ deliveredAt: new Date() })
      .where(and(eq(productionEvents.id, row.id), isNull(productionEvents.deliveredAt)));
  return told;
}

/**
 * Records a factory event for a job once (its id is the key) and tells the job's order. A repeated id
 * changes nothing; a job that is done, scrapped or cancelled takes no more events (409).
 */
export async function reportProductionEvent(
  deps: ShopFloorDeps,
  jobId: string,
  event: ProductionEventBody,
  reportedBy: string,
): Promise<{ id: string; jobId: string; duplicate: boolean }> {
  const { db } = deps;
  const job = await findJob(db, jobId);
  const repeat = async () => {
    const [earlier] = await db.select().from(productionEvents).where(eq(productionEvents.id, event.id));
    if (earlier && earlier.jobId !== job.id) throw idTaken('event', event.id, earlier.jobId);
    return earlier ? { id: event.id, jobId: job.id, duplicate: true } : undefined;
  };
  const earlier = await repeat();
  if (earlier) return earlier;
  if (CLOSED_JOB_STATUSES.has(job.status))
    throw new Problem(
      409,
      'job-closed',
      'The job is closed',
      `Job ${job.id} is ${job.status}: it takes no more events.`,
    );
  const [row] = await db
    .insert(productionEvents)
    .values({
      id: event.id,
      jobId: job.id,
      type: event.type,
      progress: event.progress ?? null,
      occurredAt: new Date(event.occurredAt),
      reportedBy,
    })
    .onConflictDoNothing()
    .returning();
  // Inserted by a concurrent copy of this request in between: that one delivers it.
  if (!row) return (await repeat())!;
  await deliverProductionEvent(deps, job.orderId, row);
  return { id: row.id, jobId: job.id, duplicate: false };
}
