import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { ordersMatching, type AnalyticsFilter } from './filters.js';

/** Distinct customers with an order in the window, and those with two or more orders in it. */
export interface CustomerCounts {
  customers: number;
  repeatCustomers: number;
}

/** Counts the customers behind the orders the filter selects, and the ones who ordered more than once. */
export async function countCustomers(db: Database, filter: AnalyticsFilter): Promise<CustomerCounts> {
  const [row] = await db.execute<{ customers: number; repeat_customers: number }>(sql`
    select count(*)::int as customers, count(*) filter (where placed >= 2)::int as repeat_customers
    from (
      select customer_id, count(*) as placed
      from orders
      where ${ordersMatching(filter) ?? sql`true`}
      group by customer_id
    ) per_customer`);
  return { customers: Number(row?.customers ?? 0), repeatCustomers: Number(row?.repeat_customers ?? 0) };
}
