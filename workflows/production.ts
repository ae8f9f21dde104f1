import { upsertSearchAttributes } from '@temporalio/workflow';
import type { PlannedJob } from '../domain/production.js';
import {
  type OrderState,
  type ProductionInspection,
  type ProductionJobEvent,
  type ProductionNews,
  type ProductionReplanned,
} from './messages.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';
import { ProductionLateKey } from './search-attributes.js';

/** The order's production as its workflow follows it. */
export type Production = NonNullable<OrderState['production']>;
/** One production job as its order's workflow follows it. */
export type FollowedJob = Production['jobs'][number];

const DEFAULT_MAX_REWORK_ROUNDS = 2;

/** A job just planned, as the order follows it: planned, nothing made yet. */
export function followedJob(job: PlannedJob): FollowedJob {
  return { ...job, status: 'planned', progress: 0, reworkRounds: 0 };
}

/** Whether every job passed its final inspection (a scrapped job counts through the job that makes it again). */
export function productionFinished(production: Production): boolean {
  return production.jobs.every((job) => job.status === 'done' || job.status === 'scrapped');
}

/** Handles one piece of production news: the factory's progress, an inspection's verdict or a replan. */
export async function handleProductionNews(run: OrderRun, news: ProductionNews): Promise<void> {
  const production = run.state.production!;
  if (news.kind === 'replanned') return applyReplan(run, news.reason, news);
  const job = production.jobs.find((candidate) => candidate.id === news.jobId);
  // News of a job the order no longer follows (scrapped, or another order's): nothing to do.
  if (!job || job.status === 'done' || job.status === 'scrapped' || job.status === 'cancelled') return;
  if (news.kind === 'inspected') return judgeJob(run, job, news);
  return followJobEvent(run, job, news);
}

/** The factory started, advanced or completed a job. */
async function followJobEvent(run: OrderRun, job: FollowedJob, event: ProductionJobEvent): Promise<void> {
  const production = run.state.production!;
  const detail = { jobId: job.id, sku: job.sku, eventId: event.eventId, occurredAt: event.occurredAt };
  if (event.kind === 'started') {
    const firstStart = !production.started;
    job.status = 'in_progress';
    production.started = true;
    await activities.updateProductionJob({ jobId: job.id, status: 'in_progress', startedAt: event.occurredAt });
    if (firstStart) await run.record('milestone', 'production_started', 'in_production', { detail });
    else await run.record('note', 'production_job_started', 'in_production', { detail });
  } else if (event.kind === 'progress') {
    job.progress = event.progress ?? job.progress;
    await activities.updateProductionJob({ jobId: job.id, progress: job.progress });
    await run.record('note', 'production_progress', run.state.status, {
      detail: { ...detail, progress: job.progress },
    });
  } else {
    job.status = 'inspecting';
    job.progress = 100;
    await activities.updateProductionJob({
      jobId: job.id,
      status: 'inspecting',
      progress: 100,
      completedAt: event.occurredAt,
    });
    const allMade = production.jobs.every((other) => other.status === 'inspecting' || other.status === 'done');
    await run.record(
      allMade ? 'milestone' : 'note',
      allMade ? 'production_completed' : 'production_job_completed',
      allMade ? 'quality_check' : run.state.status,
      { detail },
    );
  }
}

/** An inspection's verdict: a passed final inspection finishes the job, a failure sends it to rework or, past the bound, to scrap. */
async function judgeJob(run: OrderRun, job: FollowedJob, inspection: ProductionInspection): Promise<void> {
  const { stage, passed, failures, inspector, eventId } = inspection;
  const detail = { jobId: job.id, sku: job.sku, stage, inspector, inspectionId: eventId, failures };
  await run.record('note', passed ? 'inspection_passed' : 'inspection_failed', run.state.status, {
    detail,
    actor: inspector,
  });
  if (passed) {
    if (stage !== 'final') return;
    job.status = 'done';
    await activities.updateProductionJob({ jobId: job.id, status: 'done' });
    if (productionFinished(run.state.production!))
      await run.record('milestone', 'quality_passed', 'quality_check', {
        detail: { jobs: run.state.production!.jobs.map(({ id }) => id) },
      });
    return;
  }
  const maxRounds = run.input.policy.maxReworkRounds ?? DEFAULT_MAX_REWORK_ROUNDS;
  if (job.reworkRounds < maxRounds) {
    job.status = 'rework';
    job.reworkRounds += 1;
    await activities.updateProductionJob({ jobId: job.id, status: 'rework', reworkRounds: job.reworkRounds });
    await run.record('note', 'rework_started', 'in_production', {
      detail: { jobId: job.id, round: job.reworkRounds, of: maxRounds },
    });
    return;
  }
  await scrapAndRemake(run, job);
}

/** A job that failed past its rework bound is scrapped and made again as a new job; the order's date moves with it. */
async function scrapAndRemake(run: OrderRun, job: FollowedJob): Promise<void> {
  const production = run.state.production!;
  const replacement = await activities.replaceScrappedJob({
    orderId: run.orderId,
    jobId: job.id,
    now: new Date().toISOString(),
  });
  job.status = 'scrapped';
  production.jobs.push(followedJob(replacement.job));
  await run.record('flag', 'job_scrapped', 'in_production', {
    detail: {
      jobId: job.id,
      reworkRounds: job.reworkRounds,
      replacement: replacement.job.id,
      materialOrders: replacement.materialOrders,
    },
  });
  await applyReplan(run, 'job_scrapped', { promisedDate: replacement.promisedDate, jobs: [] });
}

/** New planned times for the order's jobs; a moved promised date goes on the timeline and to the customer. */
async function applyReplan(
  run: OrderRun,
  reason: string,
  change: Pick<ProductionReplanned, 'promisedDate' | 'jobs'>,
): Promise<void> {
  const production = run.state.production!;
  for (const planned of change.jobs) {
    const job = production.jobs.find((candidate) => candidate.id === planned.id);
    if (job) Object.assign(job, { plannedStart: planned.plannedStart, plannedEnd: planned.plannedEnd });
  }
  const previousPromisedDate = production.promisedDate;
  if (change.promisedDate === previousPromisedDate) return;
  production.promisedDate = change.promisedDate;
  await run.record('note', 'production_replanned', run.state.status, {
    reason,
    detail: { previousPromisedDate, promisedDate: change.promisedDate },
  });
  await run.notify('production_replanned', { previousPromisedDate, promisedDate: change.promisedDate, reason });
}

/** The order's lines changed before production started: its jobs are planned again for the new lines, and the new date told. */
export async function planForNewLines(run: OrderRun): Promise<void> {
  const { state, input, orderId } = run;
  const production = state.production!;
  const revision = state.revision;
  const revised = await activities.reviseProduction({
    orderId,
    revision,
    urgent: input.type === 'urgent',
    now: new Date().toISOString(),
  });
  production.revision = revision;
  production.jobs = revised.jobs.map(followedJob);
  const { cancelledJobs, materialOrders } = revised;
  const jobs = revised.jobs.map(({ id, sku, quantity }) => ({ id, sku, quantity }));
  await run.record('note', 'production_lines_changed', state.status, {
    detail: { revision, cancelledJobs, jobs, materialOrders },
  });
  await applyReplan(run, 'lines_changed', { promisedDate: revised.promisedDate ?? production.promisedDate, jobs: [] });
}

/** A job ran past its planned end: flagged on the order, in Temporal UI and to the customer, once. */
export async function flagProductionLate(run: OrderRun, lateJobs: FollowedJob[]): Promise<void> {
  const production = run.state.production!;
  production.late = true;
  upsertSearchAttributes([{ key: ProductionLateKey, value: true }]);
  const jobs = lateJobs.map(({ id, plannedEnd, progress }) => ({ id, plannedEnd, progress }));
  await run.record('flag', 'production_late', run.state.status, {
    detail: { jobs, promisedDate: production.promisedDate },
  });
  await run.notify('production_late', { promisedDate: production.promisedDate });
}
