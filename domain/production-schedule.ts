/**
 * Scheduling one work centre: which job goes first and when each is planned to start and end.
 *
 * Working time: every calendar day (UTC, weekends too) has `dailyCapacityMinutes` of work starting at
 * 08:00 UTC (at most 1440, so one day's working time never runs into the next day's). Times are whole
 * minutes: `now` and material arrival are rounded up to the next minute.
 */
import type { ProductionJobStatus } from './production.js';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const SHIFT_START = 8 * 60 * MINUTE;

/** The most working minutes a day can have: one day's working time ends before the next one's starts. */
export const MAX_DAILY_CAPACITY_MINUTES = 1_440;

/** A job as the schedule sees it: its work, its place in the plan and, for jobs under way, how far it got. */
export interface ScheduledJob {
  id: string;
  urgent: boolean;
  status: ProductionJobStatus;
  sequence: number;
  /** The whole job's working minutes (quantity × minutes per unit). */
  minutes: number;
  /** Percent done (0–100); counts only for a job in progress. */
  progress: number;
  materialReadyAt: string;
  plannedStart: string;
  plannedEnd: string;
}

/** A job's planned times. */
export interface JobTimes {
  id: string;
  plannedStart: string;
  plannedEnd: string;
}

const UNDER_WAY: ReadonlySet<ProductionJobStatus> = new Set(['in_progress', 'rework', 'inspecting']);

/** Which part of the plan a job belongs to: jobs under way, then urgent planned jobs, then regular planned jobs. */
const planClass = (job: ScheduledJob) => (UNDER_WAY.has(job.status) ? 0 : job.urgent ? 1 : 2);

/**
 * The plan order of a work centre's open jobs: jobs already under way (in progress, rework, being
 * inspected) first in their current sequence; then urgent planned jobs by sequence; then regular
 * planned jobs by sequence. So an urgent job goes before every planned regular job, but never
 * interrupts a job that has begun.
 */
export function planOrder<T extends ScheduledJob>(jobs: readonly T[]): T[] {
  return [...jobs].sort(
    (a, b) => planClass(a) - planClass(b) || a.sequence - b.sequence || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * The working minutes a job still needs: a planned job all of them; a job in progress what its
 * progress leaves (minutes × (100 − progress) / 100, rounded up); a job in rework half its minutes
 * again (rounded up); a job being inspected none.
 */
export function remainingMinutes(job: Pick<ScheduledJob, 'status' | 'minutes' | 'progress'>): number {
  switch (job.status) {
    case 'in_progress':
      return Math.ceil((job.minutes * (100 - job.progress)) / 100);
    case 'rework':
      return Math.ceil(job.minutes / 2);
    case 'inspecting':
      return 0;
    default:
      return job.minutes;
  }
}

/**
 * Plans a work centre's open jobs one after another in plan order (see planOrder), starting at `now`:
 * - a planned job starts at the first working minute that is not before `now`, not before its material
 *   is ready and not before the previous job ends; its minutes spill over into the next days' working time;
 * - a job under way (in progress, rework) keeps its planned start (it has begun) and its remaining
 *   minutes (see remainingMinutes) are placed from the first working minute not before `now` and the
 *   previous job's end; its material is already there;
 * - a job being inspected occupies no working time and keeps its times.
 * Returns every job's times, in plan order.
 */
export function scheduleWorkCentre(input: {
  now: string;
  dailyCapacityMinutes: number;
  jobs: readonly ScheduledJob[];
}): JobTimes[] {
  const capacity = input.dailyCapacityMinutes;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_DAILY_CAPACITY_MINUTES)
    throw new RangeError(`daily capacity must be 1 to ${MAX_DAILY_CAPACITY_MINUTES} minutes, not ${capacity}`);
  let free = ceilToMinute(Date.parse(input.now));
  return planOrder(input.jobs).map((job) => {
    if (job.status === 'inspecting') return { id: job.id, plannedStart: job.plannedStart, plannedEnd: job.plannedEnd };
    const underWay = job.status !== 'planned';
    const notBefore = underWay ? free : Math.max(free, ceilToMinute(Date.parse(job.materialReadyAt)));
    const start = firstWorkingMinute(notBefore, capacity);
    const end = addWorkingMinutes(start, remainingMinutes(job), capacity);
    free = end;
    return { id: job.id, plannedStart: underWay ? job.plannedStart : iso(start), plannedEnd: iso(end) };
  });
}

const ceilToMinute = (ms: number) => Math.ceil(ms / MINUTE) * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/** The start of the working time of the day whose working time `at` falls in or follows. */
const shiftStartOf = (at: number) => Math.floor((at - SHIFT_START) / DAY) * DAY + SHIFT_START;

/** The first instant at or after `at` inside working time. */
function firstWorkingMinute(at: number, capacity: number): number {
  const shiftStart = shiftStartOf(at);
  return at < shiftStart + capacity * MINUTE ? at : shiftStart + DAY;
}

/** When `minutes` of work starting at the working instant `start` end, spilling into later days' working time. */
function addWorkingMinutes(start: number, minutes: number, capacity: number): number {
  let at = start;
  let left = minutes * MINUTE;
  for (;;) {
    const shiftEnd = shiftStartOf(at) + capacity * MINUTE;
    if (left <= shiftEnd - at) return at + left;
    left -= shiftEnd - at;
    at = shiftStartOf(at) + DAY;
  }
}
