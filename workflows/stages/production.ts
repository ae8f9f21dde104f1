import { patched } from '@temporalio/workflow';
import { failed, type Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import type { OrderRun } from '../order-run.js';
import {
  flagProductionLate,
  followedJob,
  handleProductionNews,
  planForNewLines,
  productionFinished,
  type Production,
} from '../production.js';
import { awaitStage } from '../stage-wait.js';
import { awaitExtraPayments } from './confirmation.js';

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_OVERDUE_AFTER_MS = 14 * DAY_MS;

/**
 * Makes the order's made-to-order lines: plans a job per line (ordering missing material), follows
 * the factory's progress and the inspections, reworks or remakes what fails, and hands the order to
 * fulfilment only when every job passed its final inspection. Orders without such lines skip it.
 */
export async function produce(run: OrderRun): Promise<Ending | null> {
  const { state } = run;
  if (!state.lines.some((line) => line.madeToOrder)) return null;
  // Custom orders placed before production was planned went straight to shipping.
  if (!patched('made-to-order-production')) return null;
  await planJobs(run);
  run.checkpoint();
  const ending = await followProduction(run, state.production!);
  if (ending) return ending;
  await activities.finishProduction({ orderId: run.orderId });
  run.checkpoint();
  // Lines edited during production may have asked for more money: nothing ships before it is in.
  return awaitExtraPayments(run);
}

/** Plans the jobs in their work centres and tells the customer the promised date (the planning tells any order it pushed back). */
async function planJobs(run: OrderRun): Promise<void> {
  const { state, input, orderId } = run;
  run.attempted.add('produce');
  const plan = await activities.planProduction({
    orderId,
    urgent: input.type === 'urgent',
    now: new Date().toISOString(),
  });
  const { promisedDate, materialOrders } = plan;
  state.production = {
    promisedDate,
    late: false,
    started: false,
    revision: state.revision,
    jobs: plan.jobs.map(followedJob),
  };
  await run.record('milestone', 'production_planned', 'in_production', {
    // The orders an urgent job pushed back are told by the planning itself; operators see them here.
    detail: { promisedDate, jobs: plan.jobs, materialOrders, pushedBack: plan.replanned.map(({ orderId }) => orderId) },
  });
  await run.notify('production_planned', { promisedDate });
  const deliverBy = input.requestedDeliveryBy?.slice(0, 10);
  if (deliverBy && promisedDate > deliverBy)
    await run.record('flag', 'production_deadline_at_risk', state.status, {
      detail: { promisedDate, requestedDeliveryBy: input.requestedDeliveryBy },
    });
}

/** Follows production until every job passed; a job past its planned end is flagged late, production far past it fails the order. */
async function followProduction(run: OrderRun, production: Production): Promise<Ending | null> {
  const overdueAfter = run.input.policy.productionOverdueAfterMs ?? DEFAULT_OVERDUE_AFTER_MS;
  const overdueAt = () => lastPlannedEnd(production) + overdueAfter;
  const linesChanged = () => run.state.revision !== production.revision;
  for (;;) {
    const finished = await awaitStage(run, {
      waitingFor: () => describeProduction(production),
      timer: production.late ? 'production overdue' : 'production job late',
      until: () => (production.late ? overdueAt() : Math.min(nextPlannedEnd(production), overdueAt())),
      done: () => productionFinished(production),
      news: {
        arrived: () => run.productionInbox.length > 0 || linesChanged(),
        handle: () => (linesChanged() ? planForNewLines(run) : handleProductionNews(run, run.productionInbox.shift()!)),
      },
    });
    if (finished) return null;
    // Late comes before overdue on the timeline even when a slow worker wakes past both.
    const late = beingMade(production).filter((job) => Date.parse(job.plannedEnd) <= Date.now());
    if (late.length > 0 && !production.late) await flagProductionLate(run, late);
    if (Date.now() >= overdueAt())
      return failed('production_overdue', {
        promisedDate: production.promisedDate,
        jobs: unfinished(production).map(({ id }) => id),
      });
  }
}

/** Jobs still to pass their final inspection. */
function unfinished(production: Production) {
  return production.jobs.filter(
    (job) => job.status !== 'done' && job.status !== 'scrapped' && job.status !== 'cancelled',
  );
}

/** Jobs the factory has yet to complete: the ones that can run late. */
function beingMade(production: Production) {
  return production.jobs.filter(
    (job) => job.status === 'planned' || job.status === 'in_progress' || job.status === 'rework',
  );
}

/** When the next job still being made is planned to end (or the last end when none is). */
function nextPlannedEnd(production: Production): number {
  const ends = beingMade(production).map((job) => Date.parse(job.plannedEnd));
  return ends.length > 0 ? Math.min(...ends) : lastPlannedEnd(production);
}

function lastPlannedEnd(production: Production): number {
  return Math.max(
    ...unfinished(production).map((job) => Date.parse(job.plannedEnd)),
    Date.parse(production.promisedDate),
  );
}

/** What the order waits for in production, in words for its state and Temporal UI. */
function describeProduction(production: Production): string {
  const open = unfinished(production);
  const jobs = open.map((job) => `${job.id} ${job.status}${job.status === 'in_progress' ? ` ${job.progress}%` : ''}`);
  return `production of ${jobs.join(', ')}; promised ${production.promisedDate}${production.late ? ' (late)' : ''}`;
}
