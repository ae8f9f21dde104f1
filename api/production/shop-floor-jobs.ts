import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { productionJobs } from '../../db/schema.js';
import type { ProductionJobStatus } from '../../domain/production.js';
import { Problem } from '../problems.js';

/** What recording and delivering shop-floor news needs. */
export interface ShopFloorDeps {
  db: Database;
  temporal: Client;
  onRefused?: (error: unknown) => void;
}

/** Jobs that take no more factory events: finished or abandoned. */
export const CLOSED_JOB_STATUSES: ReadonlySet<ProductionJobStatus> = new Set(['done', 'scrapped', 'cancelled']);
/** Jobs that cannot be inspected: closed, or not started. */
export const NOT_INSPECTABLE: ReadonlySet<ProductionJobStatus> = new Set([...CLOSED_JOB_STATUSES, 'planned']);

/** The job reported on, or 404. */
export async function findJob(db: Database, jobId: string) {
  const [job] = await db
    .select({
      id: productionJobs.id,
      orderId: productionJobs.orderId,
      sku: productionJobs.sku,
      status: productionJobs.status,
    })
    .from(productionJobs)
    .where(eq(productionJobs.id, jobId));
  if (!job) throw new Problem(404, 'job-not-found', 'Production job not found', `There is no production job ${jobId}.`);
  return job;
}

/** The 409 for a sender's id already recorded for another job. */
export const idTaken = (what: string, id: string, jobId: string) =>
  new Problem(
    409,
    `${what}-id-taken`,
    `The ${what} id is already used`,
    `${what} ${id} was recorded for job ${jobId}.`,
  );
