import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { materialReceipts, suppliers } from '../../db/schema.js';
import { onTimeRateOf, supplierScore } from '../../domain/supplier-score.js';
import type { SupplierItem } from './material-schemas.js';

const count = (filter?: ReturnType<typeof sql>) =>
  (filter
    ? sql<number>`count(${materialReceipts.id}) filter (where ${filter})`
    : sql<number>`count(${materialReceipts.id})`
  ).mapWith(Number);

/** Every supplier by id, with its record of lots received and rejected, its punctuality and its score. */
export async function listSuppliers(db: Database): Promise<SupplierItem[]> {
  const rows = await db
    .select({
      id: suppliers.id,
      name: suppliers.name,
      leadTimeDays: suppliers.leadTimeDays,
      lotsReceived: count(),
      lotsRejected: count(sql`not ${materialReceipts.passed}`),
      lotsMatched: count(sql`${materialReceipts.onTime} is not null`),
      lotsOnTime: count(sql`${materialReceipts.onTime}`),
    })
    .from(suppliers)
    .leftJoin(materialReceipts, eq(materialReceipts.supplierId, suppliers.id))
    .groupBy(suppliers.id)
    .orderBy(asc(suppliers.id));
  return rows.map(({ lotsMatched, lotsOnTime, ...supplier }) => {
    const record = { ...supplier, lotsMatched, lotsOnTime };
    return { ...supplier, score: supplierScore(record), onTimeRate: onTimeRateOf(record) };
  });
}
