import type { Database } from '../../db/client.js';
import { billOfMaterials, materials, productionSpecs, suppliers, workCentres } from '../../db/schema.js';
import type { QualityStandard } from '../../domain/production.js';
import { createProduct, uniqueTag } from './fixtures.js';

/** The finished-goods standard test products are judged against. */
export const TEST_STANDARD: QualityStandard = [
  { name: 'width', unit: 'mm', min: 99, max: 101 },
  { name: 'gloss', unit: 'GU', min: 20, max: 40 },
];

/** Measurements inside TEST_STANDARD. */
export const GOOD_MEASUREMENTS = { width: 100, gloss: 30 };
/** Measurements outside TEST_STANDARD (width too large). */
export const BAD_MEASUREMENTS = { width: 104, gloss: 30 };

/** A work centre of this test's own, so no other test's jobs share its plan. */
export async function createWorkCentre(db: Database, dailyCapacityMinutes = 480): Promise<string> {
  const id = `WC-${uniqueTag()}`;
  await db.insert(workCentres).values({ id, name: `Test centre ${id}`, dailyCapacityMinutes });
  return id;
}

/** A supplier of this test's own with the given lead time. */
export async function createSupplier(db: Database, leadTimeDays = 5): Promise<string> {
  const id = `SUP-${uniqueTag()}`;
  await db.insert(suppliers).values({ id, name: `Test supplier ${id}`, leadTimeDays });
  return id;
}

/** A material of this test's own (one supplier, a moisture range for incoming lots) with `onHand` in stock. */
export async function createMaterial(db: Database, options: { supplierId: string; onHand: number }): Promise<string> {
  const id = `MAT-${uniqueTag()}`;
  await db.insert(materials).values({
    id,
    name: `Test material ${id}`,
    unit: 'pcs',
    supplierId: options.supplierId,
    onHand: options.onHand,
    qualityStandard: [{ name: 'moisture', unit: '%', min: 6, max: 10 }],
  });
  return id;
}

/**
 * A made-to-order product of this test's own: its own work centre (unless given), supplier and
 * material (one unit per product unit), `minutesPerUnit` of work per unit, judged by TEST_STANDARD.
 */
export async function createMadeToOrderProduct(
  db: Database,
  options: {
    workCentreId?: string;
    minutesPerUnit?: number;
    materialOnHand?: number;
    leadTimeDays?: number;
    priceMinor?: number;
    category?: string;
  } = {},
): Promise<{ sku: string; workCentreId: string; supplierId: string; materialId: string }> {
  const sku = await createProduct(db, {
    madeToOrder: true,
    lots: [],
    priceMinor: options.priceMinor ?? 5_000,
    category: options.category ?? 'apparel',
  });
  const workCentreId = options.workCentreId ?? (await createWorkCentre(db));
  const supplierId = await createSupplier(db, options.leadTimeDays ?? 5);
  const materialId = await createMaterial(db, { supplierId, onHand: options.materialOnHand ?? 1_000 });
  await db.insert(productionSpecs).values({
    sku,
    workCentreId,
    minutesPerUnit: options.minutesPerUnit ?? 60,
    qualityStandard: TEST_STANDARD,
  });
  await db.insert(billOfMaterials).values({ sku, materialId, quantityPerUnit: 1 });
  return { sku, workCentreId, supplierId, materialId };
}
