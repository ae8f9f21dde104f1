import { z } from 'zod';

const Units = z.number().int();

/** One sellable product in `GET /v1/products`. */
export const CatalogItemSchema = z.object({
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  price: z.number().int().describe('minor units'),
  currency: z.string(),
  madeToOrder: z.boolean(),
  available: Units.describe(
    'what a regular order can take now: on hand minus reserved in warehouses that serve the category, less the urgent reserve',
  ),
  urgentReserve: Units.describe('units held back for urgent orders (only urgent orders may take them)'),
  qualityStandard: z
    .array(z.object({ name: z.string(), unit: z.string(), min: z.number(), max: z.number() }))
    .describe('made to order: the measured properties its goods must meet (ranges inclusive); [] for others'),
  workCentre: z.string().nullable().describe('made to order: the work centre that makes it; null for others'),
  minutesPerUnit: z.number().int().nullable().describe('made to order: work minutes per unit; null for others'),
});

/** `GET /v1/products`: the active catalog. */
export const CatalogSchema = z.object({ items: z.array(CatalogItemSchema) });

/** A catalog entry as clients see it. */
export type CatalogItem = z.infer<typeof CatalogItemSchema>;

const StockSchema = z.object({
  onHand: Units,
  reserved: Units,
  available: Units.describe('what a regular order can take now (sellable, the urgent reserve excluded)'),
  urgentReserve: Units.describe('sellable units held back for urgent orders'),
});

/** One stock lot of a SKU in a warehouse. */
export const LotStockSchema = StockSchema.extend({ lotCode: z.string(), receivedAt: z.string() });

/** A SKU's stock in one warehouse, lots oldest first. */
export const WarehouseStockSchema = StockSchema.extend({
  warehouseId: z.string(),
  name: z.string(),
  servesCategory: z
    .boolean()
    .describe('false: the warehouse may not ship this category, so its stock is not sellable (available 0)'),
  lots: z.array(LotStockSchema),
});

/** `GET /v1/inventory/:sku`: real-time stock of one SKU. */
export const InventorySchema = z.object({
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  totals: StockSchema.describe(
    'onHand and reserved over every warehouse; available and urgentReserve only over warehouses that serve the category',
  ),
  warehouses: z.array(WarehouseStockSchema),
});

/** A SKU's stock as clients see it. */
export type Inventory = z.infer<typeof InventorySchema>;
