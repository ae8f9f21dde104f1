import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { products, stockLots, warehouses } from '../../db/schema.js';
import type { CatalogItem } from './catalog-schemas.js';

const sellable = sql`coalesce(sum(${stockLots.onHand} - ${stockLots.reserved}) filter (where ${warehouses.id} is not null), 0)`;

/** Active products with the stock a regular order can take now, optionally of one category. */
export async function listProducts(db: Database, filter: { category?: string }): Promise<CatalogItem[]> {
  const conditions: SQL[] = [eq(products.active, true)];
  if (filter.category) conditions.push(eq(products.category, filter.category));
  return db
    .select({
      sku: products.sku,
      name: products.name,
      category: products.category,
      price: products.priceMinor,
      currency: products.currency,
      madeToOrder: products.madeToOrder,
      // A lot in a warehouse that may not ship the category finds no warehouse row and counts nothing;
      // the urgent reserve is what regular orders must leave.
      available: sql<number>`greatest(0, ${sellable} - ${products.urgentReserve})`.mapWith(Number),
      urgentReserve: sql<number>`least(${products.urgentReserve}, ${sellable})`.mapWith(Number),
    })
    .from(products)
    .leftJoin(stockLots, eq(stockLots.sku, products.sku))
    .leftJoin(
      warehouses,
      and(eq(warehouses.id, stockLots.warehouseId), sql`${products.category} = any(${warehouses.categories})`),
    )
    .where(and(...conditions))
    .groupBy(products.sku)
    .orderBy(asc(products.sku));
}
