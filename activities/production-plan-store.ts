import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { productionJobs, productionNotices, purchaseOrders, workCentres } from '../db/schema.js';
import { planOrder, scheduleWorkCentre } from '../domain/production-schedule.js';
import {
  OPEN_JOB_STATUSES,
  promisedDateOf,
  type MaterialOrder,
  type PlannedJob,
  type ReplannedOrder,
} from '../domain/production.js';

/** A transaction on the production tables. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
type Reader = Database | Transaction;
type JobRow = typeof productionJobs.$inferSelect;

const OPEN = [...OPEN_JOB_STATUSES];
/** Jobs that no longer count for an order's promised date. */
const ABANDONED: Array<JobRow['status']> = ['cancelled', 'scrapped'];

/**
 * Runs `change` while the given work centres are locked (in id order, the one order every planner
 * uses), then replans each of them from `now`, and reports every order other than `actingOrderId`
 * whose promised date moved, with old and new date, each as a notice written in the same transaction
 * (`production_notices`) for delivery to the order once it commits. Locking the work centre
 * serialises everyone who plans in it: two orders planned at once never get overlapping slots.
 */
export async function replanAround<T>(
  tx: Transaction,
  input: { workCentreIds: string[]; now: string; reason: string; actingOrderId?: string },
  change: () => Promise<T>,
): Promise<{ result: T; replanned: ReplannedOrder[] }> {
  const ids = [...new Set(input.workCentreIds)];
  if (ids.length === 0) return { result: await change(), replanned: [] };
  await tx.execute(sql`set local lock_timeout = '10s'`);
  await tx
    .select({ id: workCentres.id })
    .from(workCentres)
    .where(inArray(workCentres.id, ids))
    .orderBy(asc(workCentres.id))
    .for('update');
  const before = await promisedDates(tx, await ordersPlannedIn(tx, ids));
  const result = await change();
  const centres = await tx.select().from(workCentres).where(inArray(workCentres.id, ids)).orderBy(asc(workCentres.id));
  for (const centre of centres) await replanWorkCentre(tx, centre, input.now);
  const after = await promisedDates(tx, [...before.keys()]);
  const replanned: ReplannedOrder[] = [];
  for (const [orderId, previousPromisedDate] of before) {
    const promisedDate = after.get(orderId);
    if (orderId === input.actingOrderId || !previousPromisedDate || !promisedDate) continue;
    if (promisedDate === previousPromisedDate) continue;
    const jobs = (await countedJobs(tx, orderId)).map(({ id, plannedStart, plannedEnd }) => ({
      id,
      plannedStart: plannedStart.toISOString(),
      plannedEnd: plannedEnd.toISOString(),
    }));
    const eventId = `replan-${randomUUID()}-${orderId}`;
    const notice = { eventId, reason: input.reason, previousPromisedDate, promisedDate, jobs };
    await tx.insert(productionNotices).values({
      eventId,
      orderId,
      actingOrderId: input.actingOrderId ?? null,
      reason: input.reason,
      notice,
    });
    replanned.push({ orderId, ...notice });
  }
  return { result, replanned };
}

/** Gives a (locked) work centre's open jobs their times from `now` in plan order; writes only the jobs that moved. */
async function replanWorkCentre(
  tx: Transaction,
  centre: { id: string; dailyCapacityMinutes: number },
  now: string,
): Promise<void> {
  const jobs = await tx
    .select()
    .from(productionJobs)
    .where(and(eq(productionJobs.workCentreId, centre.id), inArray(productionJobs.status, OPEN)))
    .orderBy(asc(productionJobs.sequence), asc(productionJobs.id))
    .for('update');
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const plan = scheduleWorkCentre({
    now,
    dailyCapacityMinutes: centre.dailyCapacityMinutes,
    jobs: jobs.map(toScheduled),
  });
  for (const { id, plannedStart, plannedEnd } of plan) {
    const job = byId.get(id)!;
    if (job.plannedStart.toISOString() === plannedStart && job.plannedEnd.toISOString() === plannedEnd) continue;
    await tx
      .update(productionJobs)
      .set({ plannedStart: new Date(plannedStart), plannedEnd: new Date(plannedEnd) })
      .where(eq(productionJobs.id, id));
  }
}

/** Orders with an open job in any of the work centres, by id. */
async function ordersPlannedIn(tx: Reader, workCentreIds: string[]): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ orderId: productionJobs.orderId })
    .from(productionJobs)
    .where(and(inArray(productionJobs.workCentreId, workCentreIds), inArray(productionJobs.status, OPEN)))
    .orderBy(asc(productionJobs.orderId));
  return rows.map((row) => row.orderId);
}

/** Each order's promised date: the UTC day its last job that still counts (not cancelled, not scrapped) ends. */
async function promisedDates(tx: Reader, orderIds: string[]): Promise<Map<string, string | null>> {
  const dates = new Map<string, string | null>(orderIds.map((id) => [id, null]));
  if (orderIds.length === 0) return dates;
  const rows = await tx
    .select({
      orderId: productionJobs.orderId,
      lastEnd: sql<Date>`max(${productionJobs.plannedEnd})`.mapWith(productionJobs.plannedEnd),
    })
    .from(productionJobs)
    .where(and(inArray(productionJobs.orderId, orderIds), notInArray(productionJobs.status, ABANDONED)))
    .groupBy(productionJobs.orderId)
    .orderBy(asc(productionJobs.orderId));
  for (const row of rows) dates.set(row.orderId, promisedDateOf([{ plannedEnd: row.lastEnd.toISOString() }]));
  return dates;
}

/** An order's jobs that count for its promised date, by line. */
function countedJobs(tx: Reader, orderId: string): Promise<JobRow[]> {
  return tx
    .select()
    .from(productionJobs)
    .where(and(eq(productionJobs.orderId, orderId), notInArray(productionJobs.status, ABANDONED)))
    .orderBy(asc(productionJobs.lineNo), asc(productionJobs.id));
}

/** An order's production as planned now: its jobs that count, its promised date and the material ordered for them. */
export async function readPlan(
  tx: Reader,
  orderId: string,
): Promise<{ jobs: PlannedJob[]; promisedDate: string | null; materialOrders: MaterialOrder[] }> {
  const jobs = (await countedJobs(tx, orderId)).map(toPlannedJob);
  return { jobs, promisedDate: promisedDateOf(jobs), materialOrders: await materialOrdersFor(tx, jobs) };
}

/** The purchase orders the given jobs' plans placed, oldest first. */
export async function materialOrdersFor(tx: Reader, jobs: ReadonlyArray<{ id: string }>): Promise<MaterialOrder[]> {
  if (jobs.length === 0) return [];
  const rows = await tx
    .select()
    .from(purchaseOrders)
    .where(
      inArray(
        purchaseOrders.jobId,
        jobs.map((job) => job.id),
      ),
    )
    .orderBy(asc(purchaseOrders.id));
  return rows.map((row) => ({
    materialId: row.materialId,
    supplierId: row.supplierId,
    quantity: row.quantity,
    dueAt: row.dueAt.toISOString(),
  }));
}

/** A work centre and its open jobs in plan order, as support reads the plan. */
export interface WorkCentrePlan {
  id: string;
  name: string;
  dailyCapacity: number;
  jobs: Array<{
    id: string;
    orderId: string;
    sku: string;
    quantity: number;
    urgent: boolean;
    status: JobRow['status'];
    sequence: number;
    minutes: number;
    materialReadyAt: string;
    plannedStart: string;
    plannedEnd: string;
    progress: number;
  }>;
}

/** Every work centre (or the one given) with its open jobs in plan order; an unknown id gives an empty list. */
export async function readWorkCentrePlans(db: Reader, workCentreId?: string): Promise<WorkCentrePlan[]> {
  const centres = await db
    .select()
    .from(workCentres)
    .where(workCentreId === undefined ? undefined : eq(workCentres.id, workCentreId))
    .orderBy(asc(workCentres.id));
  if (centres.length === 0) return [];
  const jobs = await db
    .select()
    .from(productionJobs)
    .where(
      and(
        inArray(
          productionJobs.workCentreId,
          centres.map((centre) => centre.id),
        ),
        inArray(productionJobs.status, OPEN),
      ),
    )
    .orderBy(asc(productionJobs.workCentreId), asc(productionJobs.sequence), asc(productionJobs.id));
  return centres.map((centre) => ({
    id: centre.id,
    name: centre.name,
    dailyCapacity: centre.dailyCapacityMinutes,
    jobs: planOrder(jobs.filter((job) => job.workCentreId === centre.id).map(toScheduledRow)).map(({ row }) => ({
      id: row.id,
      orderId: row.orderId,
      sku: row.sku,
      quantity: row.quantity,
      urgent: row.urgent,
      status: row.status,
      sequence: row.sequence,
      minutes: row.minutes,
      materialReadyAt: row.materialReadyAt.toISOString(),
      plannedStart: row.plannedStart.toISOString(),
      plannedEnd: row.plannedEnd.toISOString(),
      progress: row.progress,
    })),
  }));
}

/** The next sequence number in a work centre: after every job it ever had, so a new job goes last in its urgency class. */
export async function nextSequence(tx: Transaction, workCentreId: string): Promise<number> {
  const [row] = await tx
    .select({ last: sql<number | null>`max(${productionJobs.sequence})` })
    .from(productionJobs)
    .where(eq(productionJobs.workCentreId, workCentreId));
  return Number(row?.last ?? 0) + 1;
}

/** A job row as its order's workflow sees it. */
export function toPlannedJob(row: JobRow): PlannedJob {
  return {
    id: row.id,
    sku: row.sku,
    quantity: row.quantity,
    workCentre: row.workCentreId,
    lineNo: row.lineNo,
    plannedStart: row.plannedStart.toISOString(),
    plannedEnd: row.plannedEnd.toISOString(),
  };
}

function toScheduled(row: JobRow) {
  return {
    id: row.id,
    urgent: row.urgent,
    status: row.status,
    sequence: row.sequence,
    minutes: row.minutes,
    progress: row.progress,
    materialReadyAt: row.materialReadyAt.toISOString(),
    plannedStart: row.plannedStart.toISOString(),
    plannedEnd: row.plannedEnd.toISOString(),
  };
}

const toScheduledRow = (row: JobRow) => ({ ...toScheduled(row), row });

/** A work centre as support manages it. */
export interface WorkCentreView {
  id: string;
  name: string;
  dailyCapacity: number;
}

/** Sets a work centre's daily working minutes and replans it from `now`; null when there is no such work centre. */
export async function changeDailyCapacity(
  db: Database,
  input: { workCentreId: string; dailyCapacityMinutes: number; now: string },
): Promise<{ workCentre: WorkCentreView; replanned: ReplannedOrder[] } | null> {
  return db.transaction(async (tx) => {
    const [centre] = await tx.select().from(workCentres).where(eq(workCentres.id, input.workCentreId));
    if (!centre) return null;
    const { replanned } = await replanAround(
      tx,
      { workCentreIds: [centre.id], now: input.now, reason: 'capacity_changed' },
      () =>
        tx
          .update(workCentres)
          .set({ dailyCapacityMinutes: input.dailyCapacityMinutes })
          .where(eq(workCentres.id, centre.id)),
    );
    return {
      workCentre: { id: centre.id, name: centre.name, dailyCapacity: input.dailyCapacityMinutes },
      replanned,
    };
  });
}

/** Why a resequencing was refused: the listed job (by its index in the list) and the reason. */
export interface ResequenceIssue {
  index: number;
  message: string;
}

/** What resequencing a work centre's plan gave. */
export type ResequenceOutcome =
  | { kind: 'unknown_work_centre' }
  | { kind: 'refused'; issues: ResequenceIssue[] }
  | { kind: 'resequenced'; plan: WorkCentrePlan; replanned: ReplannedOrder[] };

/** Rolls a resequencing back from inside its transaction. */
class ResequenceRefused extends Error {
  constructor(readonly issues: ResequenceIssue[]) {
    super('resequencing refused');
  }
}

/**
 * Puts the listed planned jobs of a work centre first, in the given order, and the other planned jobs
 * after them in their old order; then replans from `now`. Urgency still comes first: listed jobs lead
 * their urgency class, and a regular job listed before an urgent one is refused, as is a job that is
 * unknown, not planned, or in another work centre. Jobs under way keep their place.
 */
export async function resequenceWorkCentre(
  db: Database,
  input: { workCentreId: string; jobIds: string[]; now: string },
): Promise<ResequenceOutcome> {
  try {
    return await db.transaction(async (tx) => {
      const [centre] = await tx.select().from(workCentres).where(eq(workCentres.id, input.workCentreId));
      if (!centre) return { kind: 'unknown_work_centre' as const };
      const { replanned } = await replanAround(
        tx,
        { workCentreIds: [centre.id], now: input.now, reason: 'resequenced' },
        async () => {
          const listed = await tx
            .select()
            .from(productionJobs)
            .where(inArray(productionJobs.id, input.jobIds))
            .orderBy(asc(productionJobs.id));
          const byId = new Map(listed.map((job) => [job.id, job]));
          const issues = input.jobIds.flatMap((id, index): ResequenceIssue[] => {
            const job = byId.get(id);
            if (!job) return [{ index, message: `${id} is not a production job` }];
            if (job.workCentreId !== centre.id)
              return [{ index, message: `${id} is planned in ${job.workCentreId}, not ${centre.id}` }];
            if (job.status !== 'planned')
              return [{ index, message: `${id} is ${job.status}: only planned jobs can be resequenced` }];
            const regularBefore = input.jobIds.slice(0, index).find((earlier) => byId.get(earlier)?.urgent === false);
            if (job.urgent && regularBefore)
              return [
                {
                  index,
                  message: `${id} is urgent but listed after the regular job ${regularBefore}: an urgent job goes before every planned regular job`,
                },
              ];
            return [];
          });
          if (issues.length > 0) throw new ResequenceRefused(issues);
          const planned = await tx
            .select()
            .from(productionJobs)
            .where(and(eq(productionJobs.workCentreId, centre.id), eq(productionJobs.status, 'planned')))
            .orderBy(asc(productionJobs.sequence), asc(productionJobs.id))
            .for('update');
          const rest = planOrder(planned.map(toScheduledRow))
            .map(({ row }) => row.id)
            .filter((id) => !input.jobIds.includes(id));
          const first = await nextSequence(tx, centre.id);
          for (const [offset, id] of [...input.jobIds, ...rest].entries())
            await tx
              .update(productionJobs)
              .set({ sequence: first + offset })
              .where(eq(productionJobs.id, id));
        },
      );
      const [plan] = await readWorkCentrePlans(tx, centre.id);
      return { kind: 'resequenced' as const, plan: plan!, replanned };
    });
  } catch (error) {
    if (error instanceof ResequenceRefused) return { kind: 'refused', issues: error.issues };
    throw error;
  }
}
