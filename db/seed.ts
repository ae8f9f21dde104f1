import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from './client.js';
import {
  CARRIER_RATES,
  CARRIERS,
  CUSTOMERS,
  PRODUCT_SUPPLIERS,
  PRODUCTS,
  SUPPLIER_BY_CATEGORY,
  URGENT_RESERVE,
  WAREHOUSES,
  stockLots,
} from './seed-data.js';
import { BILL_OF_MATERIALS, MATERIALS, PRODUCTION_SPECS, SUPPLIERS, WORK_CENTRES } from './seed-production.js';
import {
  billOfMaterials,
  carrierRates,
  carriers,
  customers,
  materials,
  productionSpecs,
  products,
  stockLots as stockLotsTable,
  suppliers,
  warehouses,
  workCentres,
} from './schema.js';

/** Inserts the demo data where it is missing; never overwrites stock or customers that changed since. */
export async function seedDatabase(db: Database, currency: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(suppliers).values(PRODUCT_SUPPLIERS).onConflictDoNothing();
    await tx
      .insert(products)
      .values(
        PRODUCTS.map((p) => ({
          ...p,
          currency,
          madeToOrder: p.madeToOrder ?? false,
          urgentReserve: p.madeToOrder ? 0 : URGENT_RESERVE,
          supplierId: p.madeToOrder ? null : (SUPPLIER_BY_CATEGORY[p.category] ?? null),
        })),
      )
      .onConflictDoNothing();
    // Products seeded before they had suppliers get one; a supplier chosen since is kept.
    for (const [category, supplierId] of Object.entries(SUPPLIER_BY_CATEGORY)) {
      const skus = PRODUCTS.filter((p) => !p.madeToOrder && p.category === category).map((p) => p.sku);
      if (skus.length === 0) continue;
      await tx
        .update(products)
        .set({ supplierId })
        .where(and(inArray(products.sku, skus), isNull(products.supplierId), eq(products.madeToOrder, false)));
    }
    await tx.insert(warehouses).values(WAREHOUSES).onConflictDoNothing();
    await tx.insert(stockLotsTable).values(stockLots()).onConflictDoNothing();
    await tx.insert(carriers).values(CARRIERS).onConflictDoNothing();
    await tx.insert(carrierRates).values(CARRIER_RATES).onConflictDoNothing();
    await tx.insert(customers).values(CUSTOMERS).onConflictDoNothing();
    await tx.insert(workCentres).values(WORK_CENTRES).onConflictDoNothing();
    await tx.insert(suppliers).values(SUPPLIERS).onConflictDoNothing();
    await tx.insert(materials).values(MATERIALS).onConflictDoNothing();
    await tx.insert(productionSpecs).values(PRODUCTION_SPECS).onConflictDoNothing();
    await tx.insert(billOfMaterials).values(BILL_OF_MATERIALS).onConflictDoNothing();
  });
}
