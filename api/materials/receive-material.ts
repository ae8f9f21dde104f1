import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { materialReceipts, materials, purchaseOrders, suppliers } from '../../db/schema.js';
import { judgeInspection } from '../../domain/production.js';
import { Problem } from '../problems.js';
import type { MaterialReceipt, MaterialReceiptResult } from './material-schemas.js';

type ReceiptRow = typeof materialReceipts.$inferSelect;

const resultOf = (row: ReceiptRow): MaterialReceiptResult => ({
  id: row.id,
  passed: row.passed,
  failures: row.failures,
  onTime: row.onTime,
  purchaseOrderId: row.purchaseOrderId,
});

/** The stored result of an earlier receipt with this id; 409 when the id was used for another lot. */
async function earlierReceipt(
  db: Pick<Database, 'select'>,
  receipt: MaterialReceipt,
): Promise<MaterialReceiptResult | undefined> {
  const [earlier] = await db.select().from(materialReceipts).where(eq(materialReceipts.id, receipt.id));
  if (!earlier) return undefined;
  if (
    earlier.supplierId !== receipt.supplierId ||
    earlier.materialId !== receipt.material ||
    earlier.quantity !== receipt.quantity
  )
    throw new Problem(
      409,
      'receipt-id-taken',
      'The receipt id is already used',
      `Receipt ${receipt.id} was ${earlier.quantity} of ${earlier.materialId} from ${earlier.supplierId}.`,
    );
  return resultOf(earlier);
}

/**
 * Receives a lot in one transaction: the incoming inspection against the material's standard, then,
 * when it passes, the stock and the oldest open purchase order of that supplier and material (received,
 * on time or not). A rejected lot changes no stock and leaves purchase orders open. A repeated id
 * answers the stored result (`created: false`).
 */
export async function receiveMaterial(
  db: Database,
  receipt: MaterialReceipt,
): Promise<{ result: MaterialReceiptResult; created: boolean }> {
  const earlier = await earlierReceipt(db, receipt);
  if (earlier) return { result: earlier, created: false };
  return db.transaction(async (tx) => {
    const [supplier] = await tx
      .select({ id: suppliers.id })
      .from(suppliers)
      .where(eq(suppliers.id, receipt.supplierId));
    // Locked first, then its purchase order: receipts of one material take their turn.
    const [material] = await tx.select().from(materials).where(eq(materials.id, receipt.material)).for('update');
    if (!supplier || !material)
      throw new Problem(422, 'unknown-material-source', 'Unknown supplier or material', undefined, [
        ...(!supplier ? [{ path: 'supplierId', message: 'is not a supplier' }] : []),
        ...(!material ? [{ path: 'material', message: 'is not a material' }] : []),
      ]);
    if (material.supplierId !== supplier.id)
      throw new Problem(422, 'not-this-suppliers-material', 'The supplier does not supply this material', undefined, [
        { path: 'material', message: `is supplied by ${material.supplierId}, not ${supplier.id}` },
      ]);

    const verdict = judgeInspection(material.qualityStandard, receipt.measurements);
    const receivedAt = new Date();
    const [row] = await tx
      .insert(materialReceipts)
      .values({
        id: receipt.id,
        supplierId: supplier.id,
        materialId: material.id,
        quantity: receipt.quantity,
        measurements: receipt.measurements,
        passed: verdict.passed,
        failures: verdict.failures,
        receivedAt,
      })
      .onConflictDoNothing()
      .returning();
    // A concurrent copy of this receipt was recorded while we waited for the lock: its result stands.
    if (!row) return { result: (await earlierReceipt(tx, receipt))!, created: false };
    if (!verdict.passed) return { result: resultOf(row), created: true };

    await tx
      .update(materials)
      .set({ onHand: sql`${materials.onHand} + ${receipt.quantity}` })
      .where(eq(materials.id, material.id));
    const [order] = await tx
      .select()
      .from(purchaseOrders)
      .where(
        and(
          eq(purchaseOrders.supplierId, supplier.id),
          eq(purchaseOrders.materialId, material.id),
          isNull(purchaseOrders.receivedAt),
        ),
      )
      .orderBy(asc(purchaseOrders.orderedAt), asc(purchaseOrders.id))
      .limit(1)
      .for('update');
    if (!order) return { result: resultOf(row), created: true };
    const onTime = receivedAt.getTime() <= order.dueAt.getTime();
    await tx.update(purchaseOrders).set({ receivedAt }).where(eq(purchaseOrders.id, order.id));
    const [matched] = await tx
      .update(materialReceipts)
      .set({ purchaseOrderId: order.id, onTime })
      .where(eq(materialReceipts.id, row.id))
      .returning();
    return { result: resultOf(matched!), created: true };
  });
}
