import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orderOutcomes } from '../../db/schema.js';
import { placedMatching, type AnalyticsFilter } from './filters.js';

/** How many of the orders placed in the window ever reached each step of the order's life. */
export interface FunnelCounts {
  placed: number;
  paid: number;
  shipped: number;
  delivered: number;
  completed: number;
  cancelled: number;
  returned: number;
  failed: number;
}

/** Counts the orders the filter selects, and of those the ones whose timeline carries each step's milestone (from `order_outcomes`). */
export async function countFunnel(db: Database, filter: AnalyticsFilter): Promise<FunnelCounts> {
  const [row] = await db.execute<Record<keyof FunnelCounts, number>>(sql`
    select count(*)::int as placed,
      count(*) filter (where paid)::int as paid,
      count(*) filter (where shipped)::int as shipped,
      count(*) filter (where delivered)::int as delivered,
      count(*) filter (where completed)::int as completed,
      count(*) filter (where cancelled)::int as cancelled,
      count(*) filter (where returned)::int as returned,
      count(*) filter (where failed)::int as failed
    from ${orderOutcomes}
    where ${placedMatching(filter, orderOutcomes) ?? sql`true`}`);
  return {
    placed: Number(row?.placed ?? 0),
    paid: Number(row?.paid ?? 0),
    shipped: Number(row?.shipped ?? 0),
    delivered: Number(row?.delivered ?? 0),
    completed: Number(row?.completed ?? 0),
    cancelled: Number(row?.cancelled ?? 0),
    returned: Number(row?.returned ?? 0),
    failed: Number(row?.failed ?? 0),
  };
}
