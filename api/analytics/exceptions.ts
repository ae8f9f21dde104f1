import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orderOutcomes } from '../../db/schema.js';
import { placedMatching, type AnalyticsFilter } from './filters.js';

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

/** Counts the exceptions on the timelines of the orders the filter selects, from what `order_outcomes` keeps of each. */
export async function countExceptions(db: Database, filter: AnalyticsFilter): Promise<ExceptionCounts> {
  const [row] = await db.execute<Row>(sql`
    with matched as materialized (
      select on_hold, short, payment_failures, returned, parcel_late, production_late, cancelled,
        cancel_reason, cancel_requested as requested, cancel_stage as stage,
        case
          when not short then null
          when split then 'partial_ship'
          when substituted then 'substitute'
          when backordered then 'wait_restock'
          when cancel_reason = 'shortage_cancel' and not cancel_requested then 'cancel'
          when cancel_reason = 'shortage_undecided' and not cancel_requested then 'undecided'
          else 'none'
        end as decision
      from ${orderOutcomes}
      where ${placedMatching(filter, orderOutcomes) ?? sql`true`}
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
