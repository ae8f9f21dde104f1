import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { products, stockLots, warehouses } from '../../db/schema.js';
import type { Inventory } from './catalog-schemas.js';

type WarehouseStock = Inventory['warehouses'][number];

/** One SKU's stock per warehouse and lot (FIFO), read in one statement so the numbers agree; undefined for an unknown SKU. */
export async function readInventory(db: Database, sku: string): Promise<Inventory | undefined> {
  const rows = await db
    .select({
      name: products.name,
      category: products.category,
      warehouseId: warehouses.id,
      warehouseName: warehouses.name,
      categories: warehouses.categories,
      lotCode: stockLots.lotCode,
      receivedAt: stockLots.receivedAt,
      onHand: stockLots.onHand,
      reserved: stockLots.reserved,
    })
    .from(products)
    .leftJoin(stockLots, eq(stockLots.sku, products.sku))
    .leftJoin(warehouses, eq(warehouses.id, stockLots.warehouseId))
    .where(eq(products.sku, sku))
    .orderBy(asc(warehouses.id), asc(stockLots.receivedAt), asc(stockLots.id));
  const product = rows[0];
  if (!product) return undefined;

  const byWarehouse = new Map<string, WarehouseStock>();
  for (const row of rows) {
    if (!row.warehouseId || !row.lotCode || !row.receivedAt || row.onHand === null || row.reserved === null) continue;
    const servesCategory = row.categories?.includes(product.category) ?? false;
    const sellable = servesCategory ? row.onHand - row.reserved : 0;
    let warehouse = byWarehouse.get(row.warehouseId);
    if (!warehouse) {
      warehouse = {
        warehouseId: row.warehouseId,
        name: row.warehouseName ?? row.warehouseId,
        servesCategory,
        onHand: 0,
        reserved: 0,
        available: 0,
        lots: [],
      };
      byWarehouse.set(row.warehouseId, warehouse);
    }
    warehouse.onHand += row.onHand;
    warehouse.reserved += row.reserved;
    warehouse.available += sellable;
    warehouse.lots.push({
      lotCode: row.lotCode,
      receivedAt: row.receivedAt.toISOString(),
      onHand: row.onHand,
      reserved: row.reserved,
      available: sellable,
    });
  }

  const stock = [...byWarehouse.values()];
  const total = (pick: (w: WarehouseStock) => number) => stock.reduce((sum, w) => sum + pick(w), 0);
  return {
    sku,
    name: product.name,
    category: product.category,
    totals: {
      onHand: total((w) => w.onHand),
      reserved: total((w) => w.reserved),
      available: total((w) => w.available),
    },
    warehouses: stock,
  };
}
