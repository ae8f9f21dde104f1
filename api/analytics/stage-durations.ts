import { and, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { orders, shipments } from '../../db/schema.js';
import { ORDER_STATUSES, TERMINAL_STATUSES } from '../../domain/order-status.js';

/** The stages analytics reports, in the order of the happy path: the statuses, with the warehouse's pick and pack steps inside `ready_to_ship`. */
export const ANALYTICS_STAGES: readonly string[] = ORDER_STATUSES.flatMap((status) =>
  status === 'ready_to_ship' ? [status, 'picked', 'packed'] : [status],
);
import { AnalyticsFilterSchema, ordersMatching } from './filters.js';

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
 * Stage durations from the timeline, in one statement so the parts agree. An order enters a stage at the first
 * entry with that status after an entry with another one (or its first entry) and leaves it at the next entry
 * whose status differs. Only stages left count in the percentiles and totals; the stage an order is in now
 * goes to `stuck`. Final statuses are not stages.
 */
export async function readStageDurations(db: Database, filter: StageFilter): Promise<StageDurations> {
  const matching = and(
    ordersMatching(filter),
    filter.carrier
      ? sql`${orders.id} in (select ${shipments.orderId} from ${shipments} where ${shipments.carrierId} = ${filter.carrier})`
      : undefined,
  );
  const finals = list([...TERMINAL_STATUSES]);
  // Stages in the order of the happy path; a status the domain does not know yet goes last.
  const lifecycle = sql`coalesce(array_position(array[${list(ANALYTICS_STAGES)}]::text[], stage), ${ANALYTICS_STAGES.length + 1}), stage`;

  const [row] = await db.execute<
    Pick<StageDurations, 'asOf'> & Record<'stages' | 'bottlenecks' | 'stuck', unknown>
  >(sql`
    with matching as (
      select ${orders.id} as id from ${orders} ${matching ? sql`where ${matching}` : sql``}
    ),
    scanned as (
      select e.order_id, e.seq, e.status, e.at,
        max(case e.name when 'warehouse_picked' then 1 when 'warehouse_packed' then 2 else 0 end)
          over (partition by e.order_id order by e.seq) as scan
      from order_events e join matching m on m.id = e.order_id
    ),
    -- The warehouse's scans split the wait for pickup: booked until picked, picked until packed, packed until pickup.
    staged as (
      select order_id, seq, at,
        case when status = 'ready_to_ship' and scan = 2 then 'packed'
             when status = 'ready_to_ship' and scan = 1 then 'picked'
             else status end as status
      from scanned
    ),
    entries as (
      select order_id, seq, status, at,
        lag(status) over (partition by order_id order by seq) as previous_status
      from staged
    ),
    spans as (
      select order_id, status as stage, at as entered_at,
        lead(at) over (partition by order_id order by seq) as left_at
      from entries
      where previous_status is distinct from status
    ),
    stage_spans as (
      select * from spans where stage not in (${finals})
    ),
    durations as (
      select stage, ${epochMs(sql`left_at`)} - ${epochMs(sql`entered_at`)} as ms
      from stage_spans where left_at is not null
    ),
    per_stage as (
      select stage, count(*)::int as count,
        round(percentile_cont(0.5) within group (order by ms)::numeric) as p50,
        round(percentile_cont(0.9) within group (order by ms)::numeric) as p90,
        round(percentile_cont(0.99) within group (order by ms)::numeric) as p99,
        sum(ms) as total
      from durations group by stage
    ),
    shares as (
      select stage, total, coalesce(round(total / nullif(sum(total) over (), 0), 4), 0) as share from per_stage
    ),
    clock as (
      select date_trunc('milliseconds', now()) as as_of
    ),
    waiting as (
      select stage, order_id, entered_at,
        row_number() over (partition by stage order by entered_at, order_id) as place
      from stage_spans where left_at is null
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
          json_build_object('stage', stage, 'count', count, 'p50Ms', p50, 'p90Ms', p90, 'p99Ms', p99)
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
