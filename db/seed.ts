import type { Database } from './client.js';
import { CARRIER_RATES, CARRIERS, CUSTOMERS, PRODUCTS, URGENT_RESERVE, WAREHOUSES, stockLots } from './seed-data.js';
import { carrierRates, carriers, customers, products, stockLots as stockLotsTable, warehouses } from './schema.js';

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
  });
}
