import { and, count, eq, gte, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import type { Address } from '../../domain/order-schema.js';
import { DOOR_FIELDS, velocityReasons, type VelocityReason, type VelocityRules } from '../../domain/risk.js';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** What the orders placed before this one say about it: whether it is the customer's first, and the velocity rules that trip. */
export interface PlacementHistory {
  previousOrders: number;
  velocity: VelocityReason[];
}

/**
 * The customer's order history and the velocity rules an order placed now trips, counted inside the placing
 * transaction after the customer row is locked (capOpenUnpaidOrders): concurrent orders of one customer count
 * one another. Concurrent orders to one door from different customers are serialised by an advisory lock on it.
 * Back-orders are splits of an order already counted, not new orders, so they never count.
 */
export async function placementHistory(
  tx: Transaction,
  customerId: string,
  address: Address,
  rules: VelocityRules,
): Promise<PlacementHistory> {
  const since = sql`now() - make_interval(secs => ${rules.windowMs / 1000})`;
  const [history] = await tx
    .select({
      previous: count(),
      recent:
        sql<number>`count(*) filter (where ${orders.createdAt} >= ${since} and ${orders.backorderOf} is null)`.mapWith(
          Number,
        ),
    })
    .from(orders)
    .where(eq(orders.customerId, customerId));
  let toAddress = 0;
  if (rules.maxOrdersPerAddress !== null) {
    const door = doorKey(sql`${JSON.stringify(address)}::jsonb`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${door}))`);
    const [atDoor] = await tx
      .select({ count: count() })
      .from(orders)
      .where(
        and(
          gte(orders.createdAt, since),
          isNull(orders.backorderOf),
          sql`${doorKey(sql`${orders.request}->'shippingAddress'`)} = ${door}`,
        ),
      );
    toAddress = atDoor?.count ?? 0;
  }
  return {
    previousOrders: history?.previous ?? 0,
    velocity: velocityReasons({ byCustomer: history?.recent ?? 0, toAddress }, rules),
  };
}

/**
 * One text per door: the fields that locate it, each lower-cased without spaces or punctuation, so
 * "Unter den Linden 1" and "unter-den-linden 1." are the same door. Computed in SQL for both sides of the
 * comparison, so the stored orders and the new one are normalised by the very same rules. Only immutable
 * functions (no concat_ws), so an expression index can serve it when the velocity window holds many orders.
 */
function doorKey(address: SQL): SQL {
  const parts = DOOR_FIELDS.map(
    (field) =>
      sql`regexp_replace(lower(coalesce(${address}->>${sql.raw(`'${field}'`)}, '')), '[[:space:][:punct:]]+', '', 'g')`,
  );
  return sql`(${sql.join(parts, sql` || '|' || `)})`;
}
