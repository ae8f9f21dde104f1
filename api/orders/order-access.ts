import { and, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import { seesAllOrders, type Caller } from '../../domain/caller.js';
import { Problem } from '../problems.js';

/** The condition limiting orders to what the caller may see: all for support and admin, its own for a service. */
export function visibleTo(caller: Caller): SQL | undefined {
  return seesAllOrders(caller) ? undefined : eq(orders.placedBy, caller.name);
}

/** The 404 for an order that does not exist or that the caller may not see: the same answer, so ids reveal nothing. */
export const orderNotFound = (orderId: string) =>
  new Problem(404, 'order-not-found', 'Order not found', `There is no order ${orderId}.`);

/** The order's id and stage, if the caller may see it; otherwise the same 404 as for no order at all. */
export async function visibleOrder(
  db: Database,
  caller: Caller,
  orderId: string,
): Promise<{ id: string; status: string }> {
  const [order] = await db
    .select({ id: orders.id, status: orders.status })
    .from(orders)
    .where(and(eq(orders.id, orderId), visibleTo(caller)));
  if (!order) throw orderNotFound(orderId);
  return order;
}
