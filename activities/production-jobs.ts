import { eq } from 'drizzle-orm';
import { productionJobs } from '../db/schema.js';
import type { ProductionJobStatus } from '../domain/production.js';
import type { ActivityDeps } from './deps.js';

/** A job's new state as its order's workflow decided it from the factory's and the inspectors' news. */
export interface ProductionJobUpdate {
  jobId: string;
  status?: ProductionJobStatus | undefined;
  progress?: number | undefined;
  reworkRounds?: number | undefined;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
}

/** Keeping the production jobs' rows in step with what their orders' workflows know. */
export function createProductionJobActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** Writes a job's status, progress, rework rounds and times; setting the same values twice changes nothing. */
    async updateProductionJob(update: ProductionJobUpdate): Promise<void> {
      const { jobId, status, progress, reworkRounds, startedAt, completedAt } = update;
      await db
        .update(productionJobs)
        .set({
          ...(status ? { status } : {}),
          ...(progress !== undefined ? { progress } : {}),
          ...(reworkRounds !== undefined ? { reworkRounds } : {}),
          ...(startedAt ? { startedAt: new Date(startedAt) } : {}),
          ...(completedAt ? { completedAt: new Date(completedAt) } : {}),
        })
        .where(eq(productionJobs.id, jobId));
    },
  };
}
