import { and, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orderStageSpans } from '../../db/schema.js';
import { ORDER_STATUSES } from '../../domain/order-status.js';

/** The stages analytics reports, in the order of the happy path: the statuses, with the warehouse's pick and pack steps inside `ready_to_ship`. */
export const ANALYTICS_STAGES: readonly string[] = ORDER_STATUSES.flatMap((status) =>
  status === 'ready_to_ship' ? [status, 'picked', 'packed'] : [status],
);
import { AnalyticsFilterSchema, placedMatching } from './filters.js';

/** How many of the orders waiting longest are shown per stage. */
export const STUCK_PER_STAGE = 5;

/** The stage analytics query: the common analytics filter plus the carrier the order's parcel went with. */
export const StageFilterSchema = AnalyticsFilterSchema.safeExtend({
  carrier: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, 'must be a carrier id such as swiftpost')
    .describe('Orders whose shipment is booked with this carrier')
    .optional(),
});

/** A parsed stage analytics query. */
export type StageFilter = z.infer<typeof StageFilterSchema>;

/** Time spent in each stage, the stages ranked by total time, and the orders waiting longest in each stage now. */
export interface StageDurations {
  asOf: string;
  stages: Array<{ stage: string; count: number; p50Ms: number; p90Ms: number; p99Ms: number }>;
  bottlenecks: Array<{ stage: string; totalMs: number; share: number }>;
  stuck: Array<{ stage: string; orders: Array<{ orderId: string; since: string; ageMs: number }> }>;
}

const list = (values: readonly string[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

/** Milliseconds since the epoch, truncated as the API shows instants, so every duration agrees with the timeline. */
const epochMs = (column: SQL) => sql`floor(extract(epoch from ${column}) * 1000)`;
const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Stage durations from `order_stage_spans`, the spans a trigger keeps in step with the timeline (migration 0016
 * defines them: an order enters a stage at the first entry with that status after an entry with another one, or
 * its first entry, and leaves it at the next entry whose status differs; the warehouse's scans split
 * `ready_to_ship`; final statuses are not stages). One statement, so the parts agree. Only stages left count in
 * the percentiles and totals; the stage an order is in now goes to `stuck`.
 */
export async function readStageDurations(db: Database, filter: StageFilter): Promise<StageDurations> {
  const matching = and(
    placedMatching(filter, orderStageSpans),
    filter.carrier ? eq(orderStageSpans.carrierId, filter.carrier) : undefined,
  );
  const where = (condition: SQL) => (matching ? and(condition, matching)! : condition);
  // Stages in the order of the happy path; a status the domain does not know yet goes last.
  const lifecycle = sql`coalesce(array_position(array[${list(ANALYTICS_STAGES)}]::text[], stage), ${ANALYTICS_STAGES.length + 1}), stage`;

  const [row] = await db.execute<
    Pick<StageDurations, 'asOf'> & Record<'stages' | 'bottlenecks' | 'stuck', unknown>
  >(sql`
    with per_stage as (
      -- One sort per stage for the three percentiles, read in duration order from order_stage_spans_done.
      select stage, count(*)::int as count,
        percentile_cont(array[0.5, 0.9, 0.99]) within group (order by duration_ms) as percentiles,
        sum(duration_ms) as total
      from ${orderStageSpans}
      where ${where(sql`${orderStageSpans.leftAt} is not null`)}
      group by stage
    ),
    shares as (
      select stage, total, coalesce(round(total / nullif(sum(total) over (), 0), 4), 0) as share from per_stage
    ),
    waiting as (
      select stage, order_id, entered_at,
        row_number() over (partition by stage order by entered_at, order_id) as place
      from ${orderStageSpans}
      where ${where(sql`${orderStageSpans.leftAt} is null`)}
    ),
    clock as (
      select date_trunc('milliseconds', now()) as as_of
    ),
    stuck as (
      select stage,
        json_agg(
          json_build_object(
            'orderId', order_id,
            'since', ${iso(sql`entered_at`)},
            'ageMs', ${epochMs(sql`clock.as_of`)} - ${epochMs(sql`entered_at`)}
          ) order by place
        ) as orders
      from waiting cross join clock
      where place <= ${STUCK_PER_STAGE}
      group by stage
    )
    select
      (select ${iso(sql`as_of`)} from clock) as "asOf",
      coalesce((
        select json_agg(
          json_build_object(
            'stage', stage,
            'count', count,
            'p50Ms', round(percentiles[1]::numeric),
            'p90Ms', round(percentiles[2]::numeric),
            'p99Ms', round(percentiles[3]::numeric)
          )
          order by ${lifecycle}
        ) from per_stage
      ), '[]') as stages,
      coalesce((
        select json_agg(
          json_build_object('stage', stage, 'totalMs', total, 'share', share)
          order by total desc, ${lifecycle}
        ) from shares
      ), '[]') as bottlenecks,
      coalesce((
        select json_agg(json_build_object('stage', stage, 'orders', orders) order by ${lifecycle}) from stuck
      ), '[]') as stuck
  `);
  return {
    asOf: row!.asOf,
    stages: row!.stages as StageDurations['stages'],
    bottlenecks: row!.bottlenecks as StageDurations['bottlenecks'],
    stuck: row!.stuck as StageDurations['stuck'],
  };
}
