import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { inspections, productionJobs } from '../../db/schema.js';
import { OPEN_JOB_STATUSES, PRODUCTION_JOB_STATUSES, promisedDateOf } from '../../domain/production.js';

const InspectionFailureSchema = z.object({
  name: z.string(),
  value: z.number().nullable().describe('null when the property was not measured'),
  min: z.number(),
  max: z.number(),
});

/** An order's production as clients see it: promised date, whether a job runs late, and every job with its inspections. */
export const OrderProductionSchema = z.object({
  promisedDate: z.string().describe('the UTC day the last job is planned to end'),
  late: z.boolean().describe('a job the factory has not completed is past its planned end'),
  jobs: z.array(
    z.object({
      id: z.string(),
      sku: z.string(),
      quantity: z.number().int(),
      workCentre: z.string(),
      status: z.enum(PRODUCTION_JOB_STATUSES),
      plannedStart: z.string(),
      plannedEnd: z.string(),
      progress: z.number().int().min(0).max(100),
      reworkRounds: z.number().int(),
      replaces: z.string().nullable().describe('the scrapped job this one makes again'),
      inspections: z.array(
        z.object({
          id: z.string(),
          stage: z.enum(['in_process', 'final']),
          passed: z.boolean(),
          failures: z.array(InspectionFailureSchema),
          at: z.string(),
        }),
      ),
    }),
  ),
});

/** An order's production, as its resource shows it. */
export type OrderProduction = z.infer<typeof OrderProductionSchema>;

/** Reads an order's production jobs and their inspections; null for an order with no jobs. */
export async function readOrderProduction(
  db: Database,
  orderId: string,
  now = new Date(),
): Promise<OrderProduction | null> {
  const jobs = await db
    .select()
    .from(productionJobs)
    .where(eq(productionJobs.orderId, orderId))
    .orderBy(asc(productionJobs.lineNo), asc(productionJobs.createdAt), asc(productionJobs.id));
  if (jobs.length === 0) return null;
  const verdicts = await db
    .select()
    .from(inspections)
    .where(
      inArray(
        inspections.jobId,
        jobs.map((job) => job.id),
      ),
    )
    .orderBy(asc(inspections.at), asc(inspections.id));
  const counted = jobs.filter((job) => job.status !== 'scrapped' && job.status !== 'cancelled');
  const planned = (counted.length > 0 ? counted : jobs).map((job) => ({ plannedEnd: job.plannedEnd.toISOString() }));
  return {
    promisedDate: promisedDateOf(planned)!,
    late: jobs.some(
      (job) =>
        OPEN_JOB_STATUSES.has(job.status) && job.status !== 'inspecting' && job.plannedEnd.getTime() < now.getTime(),
    ),
    jobs: jobs.map((job) => ({
      id: job.id,
      sku: job.sku,
      quantity: job.quantity,
      workCentre: job.workCentreId,
      status: job.status,
      plannedStart: job.plannedStart.toISOString(),
      plannedEnd: job.plannedEnd.toISOString(),
      progress: job.progress,
      reworkRounds: job.reworkRounds,
      replaces: job.replaces,
      inspections: verdicts
        .filter((verdict) => verdict.jobId === job.id)
        .map(({ id, stage, passed, failures, at }) => ({ id, stage, passed, failures, at: at.toISOString() })),
    })),
  };
}
