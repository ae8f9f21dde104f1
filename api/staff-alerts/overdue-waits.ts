import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { STATUSES_WAITING_ON_STAFF } from '../../domain/staff-alerts.js';

/** An order that has waited on a person in one status since `enteredAt` (ISO, from its timeline). */
export type OverdueWait = {
  orderId: string;
  status: (typeof STATUSES_WAITING_ON_STAFF)[number];
  enteredAt: string;
};

/**
 * Orders waiting on a person (confirmation, shortage decision, hold) that entered their current status
 * before `enteredBefore`, the most recent wait first: with more than `limit` overdue, the ones that just
 * became overdue are seen, not the same old ones each sweep. The wait began at the first timeline entry
 * after the last one in another status, so an order that left the status and came back waits anew.
 */
export async function findOverdueWaits(
  db: Database,
  query: { enteredBefore: Date; limit: number },
): Promise<OverdueWait[]> {
  const statuses = sql.join(
    STATUSES_WAITING_ON_STAFF.map((status) => sql`${status}`),
    sql`, `,
  );
  const rows = await db.execute<OverdueWait>(sql`
    select o.id as "orderId", o.status,
      to_char(min(e.at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "enteredAt"
    from orders o
    join order_events e on e.order_id = o.id and e.status = o.status
    where o.status in (${statuses})
      and e.seq > coalesce(
        (select max(p.seq) from order_events p where p.order_id = o.id and p.status <> o.status), 0)
    group by o.id, o.status
    having min(e.at) < ${query.enteredBefore.toISOString()}::timestamptz
    order by min(e.at) desc, o.id
    limit ${query.limit}
  `);
  return [...rows];
}
