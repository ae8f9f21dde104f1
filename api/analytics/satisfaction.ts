import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { LOW_RATING } from '../../domain/follow-ups.js';
import { orderOutcomes } from '../../db/schema.js';
import { placedMatching, type AnalyticsFilter } from './filters.js';

/** Average ratings per dimension, rounded to 2 decimals; null without answers. */
export interface RatingAverages {
  product: number | null;
  delivery: number | null;
  service: number | null;
}

/** The answers of a group of surveys: how many, how many rated something 2 or less, and their averages. */
export interface AnswerSummary {
  responses: number;
  lowRatings: number;
  averages: RatingAverages;
}

/** Satisfaction over the orders a filter selects: all answers, and per ISO week of the answer (oldest first). */
export interface Satisfaction extends AnswerSummary {
  surveysSent: number;
  weeks: Array<AnswerSummary & { week: string }>;
}

interface SummaryRow extends Record<string, unknown> {
  responses: number;
  low_ratings: number;
  product: string | null;
  delivery: string | null;
  service: string | null;
}

const toNumber = (value: string | null) => (value === null ? null : Number(value));
const summary = (row: SummaryRow | undefined): AnswerSummary => ({
  responses: Number(row?.responses ?? 0),
  lowRatings: Number(row?.low_ratings ?? 0),
  averages: {
    product: toNumber(row?.product ?? null),
    delivery: toNumber(row?.delivery ?? null),
    service: toNumber(row?.service ?? null),
  },
});

// Ratings are written with the answer, so averages over non-null ratings are averages over answered surveys.
// Numeric averages are exact, so rounding to 2 decimals happens once, in Postgres, half away from zero.
const answerColumns = sql`
  count(s.responded_at)::int as responses,
  count(*) filter (where s.responded_at is not null
    and least(s.product_rating, s.delivery_rating, s.service_rating) <= ${LOW_RATING})::int as low_ratings,
  round(avg(s.product_rating)::numeric, 2)::text as product,
  round(avg(s.delivery_rating)::numeric, 2)::text as delivery,
  round(avg(s.service_rating)::numeric, 2)::text as service`;

/**
 * Averages the answered surveys of the orders placed in the window, overall and per ISO week (UTC) of the answer,
 * in one pass over the surveys: the grouping sets give the overall row and one row per week.
 */
export async function measureSatisfaction(db: Database, filter: AnalyticsFilter): Promise<Satisfaction> {
  // Every survey belongs to an order: without a filter there is nothing to join for.
  const matching = placedMatching(filter, orderOutcomes);
  const rows = await db.execute<SummaryRow & { sent: number; week: string | null; overall: number }>(sql`
    select grouping(week)::int as overall, week, count(*)::int as sent, ${answerColumns}
    from (
      select s.*, to_char(s.responded_at at time zone 'UTC', 'IYYY-"W"IW') as week
      from surveys s
      ${matching ? sql`join ${orderOutcomes} on ${orderOutcomes.orderId} = s.order_id where ${matching}` : sql``}
    ) s
    group by grouping sets ((), (week))
    order by overall desc, week`);
  const totals = rows.find((row) => row.overall === 1);
  return {
    surveysSent: Number(totals?.sent ?? 0),
    ...summary(totals),
    weeks: rows
      .filter((row) => row.overall === 0 && row.week !== null)
      .map((row) => ({ week: row.week!, ...summary(row) })),
  };
}
