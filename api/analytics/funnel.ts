import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { ordersMatching, type AnalyticsFilter } from './filters.js';

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

/** Counts the orders the filter selects, and of those the ones whose timeline carries each step's milestone. */
export async function countFunnel(db: Database, filter: AnalyticsFilter): Promise<FunnelCounts> {
  const [row] = await db.execute<Record<keyof FunnelCounts, number>>(sql`
    select count(*)::int as placed,
      count(*) filter (where reached.paid)::int as paid,
      count(*) filter (where reached.shipped)::int as shipped,
      count(*) filter (where reached.delivered)::int as delivered,
      count(*) filter (where reached.completed)::int as completed,
      count(*) filter (where reached.cancelled)::int as cancelled,
      count(*) filter (where reached.returned)::int as returned,
      count(*) filter (where reached.failed)::int as failed
    from orders
    cross join lateral (
      select bool_or(e.name = 'payment_captured') as paid,
        bool_or(e.name = 'parcel_picked_up') as shipped,
        bool_or(e.name = 'parcel_delivered') as delivered,
        bool_or(e.name = 'order_completed') as completed,
        bool_or(e.name = 'order_cancelled') as cancelled,
        bool_or(e.name = 'order_returned') as returned,
        bool_or(e.name = 'order_failed') as failed
      from order_events e
      where e.order_id = orders.id and e.kind = 'milestone'
    ) reached
    where ${ordersMatching(filter) ?? sql`true`}`);
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
