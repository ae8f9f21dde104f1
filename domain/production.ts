/** Made-to-order production: jobs, their statuses, quality standards and inspections. */

/** Where a production job is: planned in its work centre, being made, awaiting inspection, reworked, finished or abandoned. */
export const PRODUCTION_JOB_STATUSES = [
  'planned',
  'in_progress',
  'inspecting',
  'rework',
  'done',
  'scrapped',
  'cancelled',
] as const;
/** A production job's status. */
export type ProductionJobStatus = (typeof PRODUCTION_JOB_STATUSES)[number];

/** Jobs that still hold a place in their work centre's plan. */
export const OPEN_JOB_STATUSES: ReadonlySet<ProductionJobStatus> = new Set([
  'planned',
  'in_progress',
  'inspecting',
  'rework',
]);

/** One measured property of a product or material and the range it must fall in (inclusive). */
export interface QualityProperty {
  name: string;
  unit: string;
  min: number;
  max: number;
}

/** A product's or material's acceptance ranges. */
export type QualityStandard = QualityProperty[];

/** A measured property outside its range (or not measured at all: value null). */
export interface InspectionFailure {
  name: string;
  value: number | null;
  min: number;
  max: number;
}

/** The verdict on a set of measurements. */
export interface InspectionVerdict {
  passed: boolean;
  failures: InspectionFailure[];
}

/** Judges measurements against a standard: every property must be measured and inside its range. */
export function judgeInspection(standard: QualityStandard, measurements: Record<string, number>): InspectionVerdict {
  const failures = standard.flatMap(({ name, min, max }): InspectionFailure[] => {
    const value = Object.hasOwn(measurements, name) ? measurements[name]! : null;
    return value === null || value < min || value > max ? [{ name, value, min, max }] : [];
  });
  return { passed: failures.length === 0, failures };
}

/** What the factory reports about a job from its terminals. */
export const PRODUCTION_EVENT_TYPES = ['started', 'progress', 'completed'] as const;

/** A job as its order's workflow plans and follows it. */
export interface PlannedJob {
  id: string;
  sku: string;
  quantity: number;
  workCentre: string;
  lineNo: number;
  plannedStart: string;
  plannedEnd: string;
}

/** An order whose promised date moved because its work centre's plan changed. */
export interface ReplannedOrder {
  orderId: string;
  /** The notice's event id: the order is told once, however often it is delivered. */
  eventId: string;
  /** Why the plan changed: urgent_job_planned, order_cancelled, capacity_changed, … */
  reason: string;
  previousPromisedDate: string;
  promisedDate: string;
  jobs: Array<{ id: string; plannedStart: string; plannedEnd: string }>;
}

/** The promised date of a set of jobs: the day (UTC) the last of them is planned to end. */
export function promisedDateOf(jobs: ReadonlyArray<{ plannedEnd: string }>): string | null {
  if (jobs.length === 0) return null;
  const last = jobs.reduce((latest, job) => (job.plannedEnd > latest ? job.plannedEnd : latest), jobs[0]!.plannedEnd);
  return last.slice(0, 10);
}

/** Material a plan had to order because stock could not cover it: it arrives after the supplier's lead time. */
export interface MaterialOrder {
  materialId: string;
  supplierId: string;
  quantity: number;
  dueAt: string;
}

/** What planning an order's made-to-order lines gave: its jobs, its promised date and whom it pushed back. */
export interface ProductionPlan {
  jobs: PlannedJob[];
  promisedDate: string;
  materialOrders: MaterialOrder[];
  /** Other orders whose promised date moved because this plan went before them (urgent jobs). */
  replanned: ReplannedOrder[];
}

/** An order's production after its lines changed: the new jobs (none when no made-to-order line is left) and whom the change moved. */
export interface RevisedProduction {
  jobs: PlannedJob[];
  promisedDate: string | null;
  materialOrders: MaterialOrder[];
  cancelledJobs: string[];
  replanned: ReplannedOrder[];
}
