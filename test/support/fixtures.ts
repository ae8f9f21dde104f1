import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { products, stockLots } from '../../db/schema.js';
import type { PlaceOrder } from '../../domain/order-schema.js';

/** A unique upper-case suffix so every test owns its products and orders. */
export const uniqueTag = () => randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase();

/** Adds a product of this test's own with the given lots (oldest first) in the given warehouses. */
export async function createProduct(
  db: Database,
  options: {
    priceMinor?: number;
    category?: string;
    lots: Array<{ onHand: number; warehouseId?: string; daysAgo?: number }>;
    madeToOrder?: boolean;
    urgentReserve?: number;
  },
): Promise<string> {
  const sku = `T-${uniqueTag()}`;
  await db.insert(products).values({
    sku,
    name: `Test product ${sku}`,
    category: options.category ?? 'tea',
    priceMinor: options.priceMinor ?? 1_000,
    currency: 'EUR',
    weightGrams: 200,
    volumeCm3: 500,
    madeToOrder: options.madeToOrder ?? false,
    urgentReserve: options.urgentReserve ?? 0,
  });
  if (options.lots.length > 0) {
    await db.insert(stockLots).values(
      options.lots.map((lot, index) => ({
        sku,
        warehouseId: lot.warehouseId ?? 'WH-BER',
        lotCode: `${sku}-L${index + 1}`,
        receivedAt: new Date(Date.now() - (lot.daysAgo ?? 30 - index) * 86_400_000),
        onHand: lot.onHand,
      })),
    );
  }
  return sku;
}

/** A valid order body for the given lines; override any field. */
export function orderRequest(lines: PlaceOrder['lines'], overrides: Partial<PlaceOrder> = {}): PlaceOrder {
  const tag = uniqueTag().toLowerCase();
  return {
    channel: 'web',
    type: 'regular',
    customer: { name: 'Test Customer', email: `buyer-${tag}@example.com`, phone: '+49 30 1234567' },
    shippingAddress: {
      recipient: 'Test Customer',
      phone: '+49 30 1234567',
      country: 'DE',
      region: 'Berlin',
      city: 'Berlin',
      line1: 'Unter den Linden 1',
      postalCode: '10117',
    },
    lines,
    paymentMethod: 'credit_card',
    ...overrides,
  };
}
