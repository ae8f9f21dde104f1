import type { Database } from './client.js';
import { CARRIER_RATES, CARRIERS, CUSTOMERS, PRODUCTS, URGENT_RESERVE, WAREHOUSES, stockLots } from './seed-data.js';
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
    await tx
      .insert(products)
      .values(
        PRODUCTS.map((p) => ({
          ...p,
          currency,
          madeToOrder: p.madeToOrder ?? false,
          urgentReserve: p.madeToOrder ? 0 : URGENT_RESERVE,
        })),
      )
      .onConflictDoNothing();
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
