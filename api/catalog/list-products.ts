import { and, asc, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { products, productionSpecs, stockLots, warehouses } from '../../db/schema.js';
import type { QualityStandard } from '../../domain/production.js';
import type { CatalogItem } from './catalog-schemas.js';

const sellable = sql`coalesce(sum(${stockLots.onHand} - ${stockLots.reserved}) filter (where ${warehouses.id} is not null), 0)`;

/** Made to order only: how it is made is shown; other products show none. */
const madeToOrder = (value: SQLWrapper) => sql`case when ${products.madeToOrder} then ${value} end`;

/**
 * Active products with the stock a regular order can take now, optionally of one category or one SKU;
 * made-to-order products with their quality standard, work centre and minutes per unit.
 */
export async function listProducts(db: Database, filter: { category?: string; sku?: string }): Promise<CatalogItem[]> {
  const conditions: SQL[] = [eq(products.active, true)];
  if (filter.category) conditions.push(eq(products.category, filter.category));
  if (filter.sku) conditions.push(eq(products.sku, filter.sku));
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
      qualityStandard: sql<QualityStandard>`coalesce(${madeToOrder(productionSpecs.qualityStandard)}, '[]'::jsonb)`,
      workCentre: sql<string | null>`${madeToOrder(productionSpecs.workCentreId)}`,
      minutesPerUnit: sql<number | null>`${madeToOrder(productionSpecs.minutesPerUnit)}`,
    })
    .from(products)
    .leftJoin(productionSpecs, eq(productionSpecs.sku, products.sku))
    .leftJoin(stockLots, eq(stockLots.sku, products.sku))
    .leftJoin(
      warehouses,
      and(eq(warehouses.id, stockLots.warehouseId), sql`${products.category} = any(${warehouses.categories})`),
    )
    .where(and(...conditions))
    .groupBy(products.sku, productionSpecs.sku)
    .orderBy(asc(products.sku));
}
