import { asc } from 'drizzle-orm';
import { ulid } from 'ulid';
import type { Database } from '../../db/client.js';
import { customers, orderLines, orders } from '../../db/schema.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { orderRequest } from './fixtures.js';

/**
 * An order row of this test's own with no workflow behind it, for tests of activities and routes
 * that need one to exist: the first seeded customer, the given status, type and lines (unit price 5 000).
 */
export async function insertOrderRow(
  db: Database,
  options: {
    status?: OrderStatus;
    type?: 'regular' | 'custom' | 'urgent';
    lines?: Array<{ sku: string; quantity: number }>;
  } = {},
): Promise<string> {
  const id = `ord_${ulid()}`;
  const [customer] = await db.select({ id: customers.id }).from(customers).orderBy(asc(customers.id)).limit(1);
  await db.insert(orders).values({
    id,
    status: options.status ?? 'in_production',
    type: options.type ?? 'custom',
    channel: 'web',
    customerId: customer!.id,
    request: orderRequest([]),
    pricing: {} as never,
    total: 0,
    currency: 'EUR',
    requestHash: id,
    placedBy: 'service',
  });
  const lines = options.lines ?? [];
  if (lines.length > 0)
    await db
      .insert(orderLines)
      .values(lines.map((line, index) => ({ orderId: id, lineNo: index + 1, ...line, unitPrice: 5_000 })));
  return id;
}
