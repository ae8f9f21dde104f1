import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { products, stockLots, warehouses } from '../../db/schema.js';
import { holdUrgentReserve } from '../../domain/urgent-reserve.js';
import type { Inventory } from './catalog-schemas.js';

type WarehouseStock = Inventory['warehouses'][number];

/**
 * One SKU's stock per warehouse and lot (FIFO), read in one statement so the numbers agree; undefined
 * for an unknown SKU. `available` is what a regular order can take now: the urgent reserve is shown
 * apart, on the newest sellable lots, where allocation leaves it.
 */
export async function readInventory(db: Database, sku: string): Promise<Inventory | undefined> {
  const rows = await db
    .select({
      name: products.name,
      category: products.category,
      urgentReserve: products.urgentReserve,
      warehouseId: warehouses.id,
      warehouseName: warehouses.name,
      categories: warehouses.categories,
      lotId: stockLots.id,
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

  const lots = rows.flatMap((row) => {
    const { warehouseId, lotId, lotCode, receivedAt, onHand, reserved } = row;
    if (!warehouseId || lotId === null || !lotCode || !receivedAt || onHand === null || reserved === null) return [];
    return [{ ...row, warehouseId, lotId, lotCode, receivedAt, onHand, reserved }];
  });
  const servesCategory = (lot: (typeof lots)[number]) => lot.categories?.includes(product.category) ?? false;
  const sellable = (lot: (typeof lots)[number]) => (servesCategory(lot) ? lot.onHand - lot.reserved : 0);
  // The reserve is held on the newest sellable lots: order them the way allocation does, oldest first.
  const fifo = lots
    .filter((lot) => sellable(lot) > 0)
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.lotId - b.lotId);
  const held = holdUrgentReserve(
    fifo.map((lot) => ({ id: lot.lotId, free: sellable(lot) })),
    product.urgentReserve,
  );

  const byWarehouse = new Map<string, WarehouseStock>();
  for (const lot of lots) {
    const urgentReserve = held.get(lot.lotId) ?? 0;
    const available = sellable(lot) - urgentReserve;
    let warehouse = byWarehouse.get(lot.warehouseId);
    if (!warehouse) {
      warehouse = {
        warehouseId: lot.warehouseId,
        name: lot.warehouseName ?? lot.warehouseId,
        servesCategory: servesCategory(lot),
        onHand: 0,
        reserved: 0,
        available: 0,
        urgentReserve: 0,
        lots: [],
      };
      byWarehouse.set(lot.warehouseId, warehouse);
    }
    warehouse.onHand += lot.onHand;
    warehouse.reserved += lot.reserved;
    warehouse.available += available;
    warehouse.urgentReserve += urgentReserve;
    warehouse.lots.push({
      lotCode: lot.lotCode,
      receivedAt: lot.receivedAt.toISOString(),
      onHand: lot.onHand,
      reserved: lot.reserved,
      available,
      urgentReserve,
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
      urgentReserve: total((w) => w.urgentReserve),
    },
    warehouses: stock,
  };
}
