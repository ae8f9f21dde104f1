import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { ordersMatching, type AnalyticsFilter } from './filters.js';

/** What support decided about a shortage, as the order's timeline shows it; `none` when no decision ended it. */
export const SHORTAGE_OUTCOMES = ['partial_ship', 'substitute', 'wait_restock', 'cancel', 'undecided', 'none'] as const;

/** A shortage decision as the exceptions answer names it. */
export type ShortageDecision = (typeof SHORTAGE_OUTCOMES)[number];

/** How many orders share one label (a cancellation reason or stage). */
export interface LabelCount {
  label: string;
  count: number;
}

/** The orders placed in the window that met each exception, counted once per order. */
export interface ExceptionCounts {
  placed: number;
  holds: number;
  shortages: number;
  shortagesByDecision: Record<ShortageDecision, number>;
  paymentFailures: number;
  paymentFailureEvents: number;
  cancellations: number;
  cancellationsByReason: LabelCount[];
  cancellationsByStage: LabelCount[];
  supportCancellationReasons: LabelCount[];
  returns: number;
  lateParcels: number;
  lateProductionJobs: number;
}

type Row = Omit<ExceptionCounts, 'shortagesByDecision'> & Record<`decided_${ShortageDecision}`, number>;

/** Counts the exceptions on the timelines of the orders the filter selects. */
export async function countExceptions(db: Database, filter: AnalyticsFilter): Promise<ExceptionCounts> {
  const [row] = await db.execute<Row>(sql`
    with matched as materialized (
      select marks.*, cancel.cancelled, cancel.reason as cancel_reason, cancel.requested, cancel.stage,
        case
          when marks.short is not true then null
          when marks.split then 'partial_ship'
          when marks.substituted then 'substitute'
          when marks.backordered then 'wait_restock'
          when cancel.reason = 'shortage_cancel' and not cancel.requested then 'cancel'
          when cancel.reason = 'shortage_undecided' and not cancel.requested then 'undecided'
          else 'none'
        end as decision
      from orders
      cross join lateral (
        select bool_or(e.kind = 'milestone' and e.name = 'order_on_hold') as on_hold,
          bool_or(e.kind = 'milestone' and e.name = 'stock_short') as short,
          bool_or(e.kind = 'note' and e.name = 'order_split') as split,
          bool_or(e.kind = 'note' and e.name = 'products_substituted') as substituted,
          bool_or(e.kind = 'note' and e.name = 'backordered') as backordered,
          count(*) filter (where e.kind = 'note' and e.name = 'payment_failed') as payment_failures,
          bool_or(e.kind = 'milestone' and e.name = 'order_returned') as returned,
          bool_or(e.kind = 'flag' and e.name = 'parcel_late') as parcel_late,
          bool_or(e.kind = 'flag' and e.name = 'production_late') as production_late
        from order_events e
        where e.order_id = orders.id
      ) marks
      left join lateral (
        -- A cancellation asked through the API keeps who asked (detail.requestedBy) and the asker's own words as reason.
        select true as cancelled, c.reason, coalesce(c.detail ? 'requestedBy', false) as requested,
          coalesce(
            (select p.status from order_events p where p.order_id = c.order_id and p.seq < c.seq order by p.seq desc limit 1),
            'received'
          ) as stage
        from order_events c
        where c.order_id = orders.id and c.kind = 'milestone' and c.name = 'order_cancelled'
        order by c.seq desc
        limit 1
      ) cancel on true
      where ${ordersMatching(filter) ?? sql`true`}
    )
    select count(*)::int as "placed",
      count(*) filter (where on_hold)::int as "holds",
      count(*) filter (where short)::int as "shortages",
      count(*) filter (where decision = 'partial_ship')::int as "decided_partial_ship",
      count(*) filter (where decision = 'substitute')::int as "decided_substitute",
      count(*) filter (where decision = 'wait_restock')::int as "decided_wait_restock",
      count(*) filter (where decision = 'cancel')::int as "decided_cancel",
      count(*) filter (where decision = 'undecided')::int as "decided_undecided",
      count(*) filter (where decision = 'none')::int as "decided_none",
      count(*) filter (where payment_failures > 0)::int as "paymentFailures",
      coalesce(sum(payment_failures), 0)::int as "paymentFailureEvents",
      count(*) filter (where cancelled)::int as "cancellations",
      count(*) filter (where returned)::int as "returns",
      count(*) filter (where parcel_late)::int as "lateParcels",
      count(*) filter (where production_late)::int as "lateProductionJobs",
      (select coalesce(json_agg(json_build_object('label', label, 'count', n) order by n desc, label), '[]')
        from (
          select case when requested then 'support' else coalesce(cancel_reason, 'unknown') end as label, count(*)::int as n
          from matched where cancelled group by 1
        ) by_reason) as "cancellationsByReason",
      (select coalesce(json_agg(json_build_object('label', stage, 'count', n) order by n desc, stage), '[]')
        from (select stage, count(*)::int as n from matched where cancelled group by stage) by_stage) as "cancellationsByStage",
      (select coalesce(json_agg(json_build_object('label', label, 'count', n) order by n desc, label), '[]')
        from (
          select coalesce(cancel_reason, 'unknown') as label, count(*)::int as n
          from matched where cancelled and requested group by 1
        ) by_support_reason) as "supportCancellationReasons"
    from matched`);
  if (!row) throw new Error('the exceptions query returned no row');
  const {
    decided_partial_ship,
    decided_substitute,
    decided_wait_restock,
    decided_cancel,
    decided_undecided,
    decided_none,
    ...counts
  } = row;
  return {
    ...counts,
    shortagesByDecision: {
      partial_ship: decided_partial_ship,
      substitute: decided_substitute,
      wait_restock: decided_wait_restock,
      cancel: decided_cancel,
      undecided: decided_undecided,
      none: decided_none,
    },
  };
}
