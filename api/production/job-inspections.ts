import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { inspections, productionEvents, productionSpecs } from '../../db/schema.js';
import type { Database } from '../../db/client.js';
import { judgeInspection } from '../../domain/production.js';
import { productionNewsSignal, type ProductionInspection } from '../../workflows/messages.js';
import { Problem } from '../problems.js';
import { tellOrder } from '../tell-order.js';
import type { InspectionBody } from './job-schemas.js';
import { findJob, idTaken, NOT_INSPECTABLE, type ShopFloorDeps } from './shop-floor-jobs.js';

type InspectionRow = typeof inspections.$inferSelect;

/** The workflow's message for a recorded inspection. */
export const inspectionNews = (row: InspectionRow): ProductionInspection => ({
  eventId: row.id,
  kind: 'inspected',
  jobId: row.jobId,
  stage: row.stage,
  inspector: row.inspector,
  passed: row.passed,
  failures: row.failures,
  at: row.at.toISOString(),
});

/** Tells the job's order about a recorded inspection; marks it delivered unless Temporal refused. */
export async function deliverInspection(deps: ShopFloorDeps, orderId: string, row: InspectionRow) {
  const told = await tellOrder(deps.temporal, orderId, productionNewsSignal, [inspectionNews(row)], deps.onRefused);
  if (told)
    await deps.db
      .update(inspections)
      .set({ deliveredAt: new Date() })
      .where(and(eq(inspections.id, row.id), isNull(inspections.deliveredAt)));
  return told;
}

/** Whether the factory reported the job started: its order's workflow may not have marked it under way yet. */
async function reportedStarted(db: Database, jobId: string): Promise<boolean> {
  const [started] = await db
    .select({ id: productionEvents.id })
    .from(productionEvents)
    .where(and(eq(productionEvents.jobId, jobId), eq(productionEvents.type, 'started')))
    .limit(1);
  return started !== undefined;
}

/** Whether the job's latest start or completion reported is a completion (and none came after it). */
async function reportedCompleted(db: Database, jobId: string): Promise<boolean> {
  const [latest] = await db
    .select({ type: productionEvents.type })
    .from(productionEvents)
    .where(and(eq(productionEvents.jobId, jobId), inArray(productionEvents.type, ['started', 'completed'])))
    .orderBy(desc(productionEvents.occurredAt), desc(productionEvents.receivedAt), desc(productionEvents.id))
    .limit(1);
  return latest?.type === 'completed';
}

/** An inspection's answer: the verdict as judged when it was first recorded. */
export interface InspectionAnswer {
  id: string;
  jobId: string;
  stage: InspectionRow['stage'];
  passed: boolean;
  failures: InspectionRow['failures'];
}

const answerOf = (row: InspectionRow): InspectionAnswer => ({
  id: row.id,
  jobId: row.jobId,
  stage: row.stage,
  passed: row.passed,
  failures: row.failures,
});

/**
 * Judges an inspection against the job's product standard, records it once and tells the job's order.
 * A repeated id answers the stored verdict (`created: false`). Refused (409) for a job not started or
 * closed, and a final inspection of a job whose completion was not reported after its last start.
 */
export async function recordInspection(
  deps: ShopFloorDeps,
  jobId: string,
  inspection: InspectionBody,
  reportedBy: string,
): Promise<{ answer: InspectionAnswer; created: boolean }> {
  const { db } = deps;
  const job = await findJob(db, jobId);
  const repeat = async () => {
    const [earlier] = await db.select().from(inspections).where(eq(inspections.id, inspection.id));
    if (earlier && earlier.jobId !== job.id) throw idTaken('inspection', inspection.id, earlier.jobId);
    return earlier ? { answer: answerOf(earlier), created: false } : undefined;
  };
  const earlier = await repeat();
  if (earlier) return earlier;
  if (NOT_INSPECTABLE.has(job.status) && !(job.status === 'planned' && (await reportedStarted(db, job.id))))
    throw new Problem(
      409,
      'job-not-inspectable',
      'The job cannot be inspected',
      `Job ${job.id} is ${job.status}: ${job.status === 'planned' ? 'it has not started' : 'it is closed'}.`,
    );
  if (inspection.stage === 'final' && !(await reportedCompleted(db, job.id)))
    throw new Problem(409, 'job-not-completed', 'The job is not completed', 'the job has not been reported completed');
  const [spec] = await db
    .select({ standard: productionSpecs.qualityStandard })
    .from(productionSpecs)
    .where(eq(productionSpecs.sku, job.sku));
  // Nothing is passed without a standard to judge it by.
  if (!spec)
    throw new Problem(409, 'no-quality-standard', 'No quality standard', `Product ${job.sku} has no quality standard.`);
  const verdict = judgeInspection(spec.standard, inspection.measurements);
  const [row] = await db
    .insert(inspections)
    .values({
      id: inspection.id,
      jobId: job.id,
      stage: inspection.stage,
      inspector: inspection.inspector,
      measurements: inspection.measurements,
      passed: verdict.passed,
      failures: verdict.failures,
      reportedBy,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return (await repeat())!;
  await deliverInspection(deps, job.orderId, row);
  return { answer: answerOf(row), created: true };
}
