import { and, arrayOverlaps, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import { visibleCustomerId, type Caller } from '../../domain/caller.js';
import { visibleTo } from './order-access.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { encodeOrderCursor } from './list-cursor.js';
import type { ListOrdersQuery, OrderPage } from './list-query.js';

/** One page of the orders the caller may see, newest first, keyset-paginated by order id. */
export async function listOrders(db: Database, query: ListOrdersQuery, caller: Caller): Promise<OrderPage> {
  const visible = visibleTo(caller);
  const conditions: SQL[] = visible ? [visible] : [];
  if (query.status) conditions.push(inArray(orders.status, query.status));
  if (query.type) conditions.push(eq(orders.type, query.type));
  if (query.channel) conditions.push(eq(orders.channel, query.channel));
  if (query.customerId) conditions.push(eq(orders.customerId, query.customerId));
  // `cardinality(flags) > 0` with a flag too: the condition of the partial index on flagged orders (`orders_flagged_id`).
  if (query.flag) conditions.push(sql`cardinality(${orders.flags}) > 0`, arrayOverlaps(orders.flags, query.flag));
  if (query.flagged !== undefined)
    conditions.push(query.flagged ? sql`cardinality(${orders.flags}) > 0` : sql`cardinality(${orders.flags}) = 0`);
  if (query.createdFrom) conditions.push(gte(orders.createdAt, new Date(query.createdFrom)));
  if (query.createdTo) conditions.push(lt(orders.createdAt, new Date(query.createdTo)));
  // ULIDs sort by creation time, so "after the cursor" is simply a smaller id: a keyset on the primary key.
  if (query.cursor) conditions.push(lt(orders.id, query.cursor));

  const rows = await db
    .select({
      id: orders.id,
      status: orders.status,
      type: orders.type,
      channel: orders.channel,
      externalId: orders.externalId,
      customerId: orders.customerId,
      namedById: sql<boolean>`${orders.request}->'customer' ? 'id'`,
      total: orders.total,
      currency: orders.currency,
      flags: orders.flags,
      createdAt: orders.createdAt,
      updatedAt: orders.updatedAt,
    })
    .from(orders)
    .where(and(...conditions))
    .orderBy(desc(orders.id))
    // One row more than asked tells whether another page follows, without a count.
    .limit(query.limit + 1);

  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ namedById, ...row }) => ({
      ...row,
      customerId: visibleCustomerId(caller, row.customerId, namedById),
      status: row.status as OrderStatus,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    })),
    nextCursor: rows.length > query.limit && last ? encodeOrderCursor(last.id) : null,
  };
}
