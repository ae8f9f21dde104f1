import { and, asc, desc, eq, gt, lt, not, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { settlementDiscrepancies, settlementLines, settlements } from '../../db/schema.js';
import { encodeCursor } from '../paging.js';
import { DISCREPANCY_KINDS, SETTLED_KINDS, SETTLEMENT_CYCLES, SETTLEMENT_STATUSES } from '../../domain/settlement.js';

/** Lines shown inside a settlement; the rest are paged through `/v1/settlements/:id/lines`. */
export const LINES_INLINE = 1_000;

const Money = z.number().int().describe('minor units');

/** One money movement a settlement counts, traceable to its transaction and order. */
export const SettlementLineSchema = z.object({
  transactionId: z.string(),
  orderId: z.string().nullable(),
  kind: z.enum(SETTLED_KINDS),
  amount: Money,
  fee: Money,
  occurredAt: z.string(),
});

/** A settlement as a list shows it. */
export const SettlementSummarySchema = z.object({
  id: z.string(),
  cycle: z.enum(SETTLEMENT_CYCLES),
  periodStart: z.string(),
  periodEnd: z.string(),
  currency: z.string(),
  status: z.enum(SETTLEMENT_STATUSES),
  requestedBy: z.string(),
  totals: z
    .object({ captured: Money, refunded: Money, chargebacks: Money, fees: Money, net: Money })
    .nullable()
    .describe('null while running'),
  flagged: z.boolean().describe('reconciliation found discrepancies'),
  payout: z.object({ id: z.string(), amount: Money, status: z.string() }).nullable(),
});

/** A settlement with its lines and discrepancies. */
export const SettlementSchema = SettlementSummarySchema.extend({
  lineCount: z.number().int(),
  lines: z.array(SettlementLineSchema).describe(`the first ${LINES_INLINE}, oldest first`),
  linesNextCursor: z.string().nullable().describe('pass as `cursor` to `/v1/settlements/:id/lines` for the rest'),
  discrepancies: z.array(
    z.object({
      kind: z.enum(DISCREPANCY_KINDS),
      transactionId: z.string(),
      orderId: z.string().nullable(),
      expected: Money.nullable().describe('what the ledger says (null: nothing)'),
      actual: Money.nullable().describe('what the provider says (null: nothing)'),
      resolution: z.string().nullable(),
    }),
  ),
});

type Row = typeof settlements.$inferSelect;

function summary(row: Row, flagged: boolean): z.infer<typeof SettlementSummarySchema> {
  return {
    id: row.id,
    cycle: row.cycle,
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    currency: row.currency,
    status: row.status,
    requestedBy: row.requestedBy,
    totals: row.totals,
    flagged,
    payout: row.payoutId
      ? { id: row.payoutId, amount: row.payoutAmount ?? 0, status: row.payoutStatus ?? 'pending' }
      : null,
  };
}

/** Whether reconciliation found anything wrong in the settlement. */
const hasDiscrepancies = sql<boolean>`exists (select 1 from ${settlementDiscrepancies} where ${settlementDiscrepancies.settlementId} = ${settlements.id})`;

/** One page of a settlement's lines, oldest first, after the line `after` (time|transaction). */
export async function settlementLinePage(
  db: Database,
  id: string,
  limit: number,
  after?: { at: Date; transactionId: string },
) {
  const l = settlementLines;
  const rows = await db
    .select()
    .from(l)
    .where(
      and(
        eq(l.settlementId, id),
        after
          ? or(gt(l.occurredAt, after.at), and(eq(l.occurredAt, after.at), gt(l.transactionId, after.transactionId)))
          : undefined,
      ),
    )
    .orderBy(asc(l.occurredAt), asc(l.transactionId))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((row) => ({
    transactionId: row.transactionId,
    orderId: row.orderId,
    kind: row.kind,
    amount: row.amount,
    fee: row.fee,
    occurredAt: row.occurredAt.toISOString(),
  }));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? `${last.occurredAt}|${last.transactionId}` : null };
}

/** Whether a settlement with this id exists. */
export async function settlementExists(db: Database, id: string): Promise<boolean> {
  return (await db.$count(settlements, eq(settlements.id, id))) > 0;
}

/** The settlement with its first lines and every discrepancy, or undefined. */
export async function readSettlement(db: Database, id: string): Promise<z.infer<typeof SettlementSchema> | undefined> {
  const [row] = await db.select().from(settlements).where(eq(settlements.id, id));
  if (!row) return undefined;
  const lines = await settlementLinePage(db, id, LINES_INLINE);
  const discrepancies = await db
    .select()
    .from(settlementDiscrepancies)
    .where(eq(settlementDiscrepancies.settlementId, id))
    .orderBy(asc(settlementDiscrepancies.kind), asc(settlementDiscrepancies.transactionId));
  const lineCount = await db.$count(settlementLines, eq(settlementLines.settlementId, id));
  return {
    ...summary(row, discrepancies.length > 0),
    lineCount,
    lines: lines.items,
    linesNextCursor: lines.next ? encodeCursor(lines.next) : null,
    discrepancies: discrepancies.map(({ kind, transactionId, orderId, expected, actual, resolution }) => ({
      kind,
      transactionId,
      orderId,
      expected,
      actual,
      resolution,
    })),
  };
}

/** Settlements newest period first, optionally of one cycle or status, after the one keyed `after` (periodStart|id). */
export async function listSettlements(
  db: Database,
  query: {
    cycle?: string | undefined;
    status?: string | undefined;
    flagged?: boolean | undefined;
    limit: number;
    after?: { start: Date; id: string };
  },
) {
  const s = settlements;
  const conditions: Array<SQL | undefined> = [
    query.cycle ? eq(s.cycle, query.cycle as Row['cycle']) : undefined,
    query.status ? eq(s.status, query.status as Row['status']) : undefined,
    query.flagged === undefined ? undefined : query.flagged ? hasDiscrepancies : not(hasDiscrepancies),
    query.after
      ? or(lt(s.periodStart, query.after.start), and(eq(s.periodStart, query.after.start), lt(s.id, query.after.id)))
      : undefined,
  ];
  const rows = await db
    .select({ settlement: s, flagged: hasDiscrepancies })
    .from(s)
    .where(and(...conditions))
    .orderBy(desc(s.periodStart), desc(s.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const items = page.map((row) => summary(row.settlement, row.flagged));
  const last = page.at(-1)?.settlement;
  return { items, next: rows.length > query.limit && last ? `${last.periodStart.toISOString()}|${last.id}` : null };
}
