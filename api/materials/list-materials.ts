import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { materials, purchaseOrders } from '../../db/schema.js';
import type { MaterialItem } from './material-schemas.js';

/** Every material by id: stock on hand, what planned jobs hold, and what open purchase orders bring. */
export async function listMaterials(db: Database): Promise<MaterialItem[]> {
  return db
    .select({
      id: materials.id,
      name: materials.name,
      unit: materials.unit,
      supplierId: materials.supplierId,
      onHand: materials.onHand,
      reserved: materials.reserved,
      onOrder: sql<number>`coalesce(sum(${purchaseOrders.quantity}), 0)`.mapWith(Number),
    })
    .from(materials)
    .leftJoin(purchaseOrders, and(eq(purchaseOrders.materialId, materials.id), isNull(purchaseOrders.receivedAt)))
    .groupBy(materials.id)
    .orderBy(asc(materials.id));
}
