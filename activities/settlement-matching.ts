import { sql } from 'drizzle-orm';
import { settlementDiscrepancies, settlementLines, settlementStatementEntries } from '../db/schema.js';
import { PAYMENT_METHODS, type PaymentMethod } from '../domain/order-schema.js';
import { feeFor, type FeeTable, type SettledKind, type SettlementPeriod } from '../domain/settlement.js';
import type { ActivityDeps } from './deps.js';

/** Where the ledger pass stopped: the last entry's time (microseconds kept by Postgres) and id. */
export interface LedgerCursor {
  at: string;
  id: number;
}

type StatementRow = {
  transaction_id: string;
  order_id: string | null;
  kind: SettledKind;
  amount: number;
  occurred_at: string;
  ledger_amount: number | null;
  method: string | null;
  earlier_capture: boolean;
};

type LedgerRow = { id: number; transaction_id: string; order_id: string; amount: number; at: string };

/** Reconciliation, page by page: the provider's statement imported, each line matched to the ledger, and the ledger matched back. */
export function createSettlementMatchingActivities({ db, payments }: Pick<ActivityDeps, 'db' | 'payments'>) {
  return {
    /** Imports one page of the provider's statement for the period; answers the provider's cursor for the next page. */
    async importStatementPage(input: {
      settlementId: string;
      period: SettlementPeriod;
      after: string | null;
      limit: number;
    }): Promise<{ next: string | null; imported: number }> {
      const { period } = input;
      const page = await payments.statement({
        from: period.periodStart,
        to: period.periodEnd,
        currency: period.currency,
        after: input.after,
        limit: input.limit,
      });
      if (page.entries.length > 0)
        await db
          .insert(settlementStatementEntries)
          .values(
            page.entries.map((entry) => ({
              settlementId: input.settlementId,
              transactionId: entry.transactionId,
              intentId: entry.paymentIntentId,
              orderId: entry.orderId,
              kind: entry.kind,
              amount: entry.amount,
              currency: entry.currency,
              occurredAt: new Date(entry.occurredAt),
            })),
          )
          .onConflictDoNothing();
      return { next: page.next, imported: page.entries.length };
    },

    /**
     * Settles one page of statement lines (by transaction id): each becomes a settlement line at the
     * provider's amount with its fee; a line the ledger lacks, one whose amount differs, a second
     * capture of one intent and a chargeback are each recorded as a discrepancy to resolve.
     */
    async matchStatementPage(input: {
      settlementId: string;
      afterTransactionId: string;
      limit: number;
      fees: FeeTable;
    }): Promise<{ last: string | null; matched: number }> {
      const rows = await db.execute<StatementRow>(sql`
        select e.transaction_id, e.order_id, e.kind, e.amount, e.occurred_at, p.amount as ledger_amount,
               o.request->>'paymentMethod' as method,
               e.kind = 'capture' and exists (
                 select 1 from payments q
                 where q.intent_id = e.intent_id and q.kind = 'capture' and q.transaction_id <> e.transaction_id
                   and (q.occurred_at, q.transaction_id) < (e.occurred_at, e.transaction_id)
               ) as earlier_capture
        from settlement_statement_entries e
        left join payments p on p.transaction_id = e.transaction_id
        left join orders o on o.id = e.order_id
        where e.settlement_id = ${input.settlementId} and e.transaction_id > ${input.afterTransactionId}
        order by e.transaction_id
        limit ${input.limit}`);
      if (rows.length === 0) return { last: null, matched: 0 };
      const method = (value: string | null): PaymentMethod =>
        PAYMENT_METHODS.includes(value as PaymentMethod) ? (value as PaymentMethod) : 'credit_card';
      await db
        .insert(settlementLines)
        .values(
          rows.map((row) => ({
            settlementId: input.settlementId,
            transactionId: row.transaction_id,
            orderId: row.order_id,
            kind: row.kind,
            amount: row.amount,
            fee: feeFor(row.kind, row.amount, method(row.method), input.fees),
            occurredAt: new Date(row.occurred_at),
          })),
        )
        .onConflictDoNothing();
      const found = rows.flatMap((row) => {
        const base = { settlementId: input.settlementId, transactionId: row.transaction_id, orderId: row.order_id };
        const kinds: Array<typeof settlementDiscrepancies.$inferInsert> = [];
        if (row.ledger_amount === null)
          kinds.push({ ...base, kind: 'missing_in_ledger', expected: null, actual: row.amount });
        else if (row.ledger_amount !== row.amount)
          kinds.push({ ...base, kind: 'amount_mismatch', expected: row.ledger_amount, actual: row.amount });
        if (row.earlier_capture) kinds.push({ ...base, kind: 'duplicate_capture', expected: null, actual: row.amount });
        if (row.kind === 'chargeback') kinds.push({ ...base, kind: 'chargeback', expected: null, actual: row.amount });
        return kinds;
      });
      if (found.length > 0) await db.insert(settlementDiscrepancies).values(found).onConflictDoNothing();
      return { last: rows.at(-1)!.transaction_id, matched: rows.length };
    },

    /** Finds second captures of one intent inside the statement itself (both may be unknown to the ledger yet). */
    async findDuplicateCaptures(input: { settlementId: string }): Promise<{ found: number }> {
      const inserted = await db.execute(sql`
        insert into settlement_discrepancies (settlement_id, kind, transaction_id, order_id, expected, actual)
        select settlement_id, 'duplicate_capture', transaction_id, order_id, null, amount
        from (
          select e.*, row_number() over (partition by e.intent_id order by e.occurred_at, e.transaction_id) as nth
          from settlement_statement_entries e
          where e.settlement_id = ${input.settlementId} and e.kind = 'capture'
        ) captures
        where nth > 1
        on conflict do nothing
        returning transaction_id`);
      return { found: inserted.length };
    },

    /**
     * One page of the ledger's settled movements in the period (by time) that the provider's
     * statement does not have: each is a `missing_at_provider` discrepancy, and no line (the
     * provider pays out only what it booked). Answers where to go on, or null at the end.
     */
    async matchLedgerPage(input: {
      settlementId: string;
      period: SettlementPeriod;
      after: LedgerCursor | null;
      limit: number;
    }): Promise<{ after: LedgerCursor | null; missing: number }> {
      const { period, after } = input;
      const rows = await db.execute<LedgerRow>(sql`
        select p.id, p.transaction_id, p.order_id, p.amount,
               to_char(p.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
        from payments p
        where p.currency = ${period.currency} and p.status = 'succeeded'
          and p.kind in ('capture', 'refund', 'chargeback')
          and p.occurred_at >= ${period.periodStart}::timestamptz and p.occurred_at < ${period.periodEnd}::timestamptz
          ${after ? sql`and (p.occurred_at, p.id) > (${after.at}::timestamptz, ${after.id})` : sql``}
          and not exists (
            select 1 from settlement_statement_entries e
            where e.settlement_id = ${input.settlementId} and e.transaction_id = p.transaction_id
          )
        order by p.occurred_at, p.id
        limit ${input.limit}`);
      if (rows.length > 0)
        await db
          .insert(settlementDiscrepancies)
          .values(
            rows.map((row) => ({
              settlementId: input.settlementId,
              kind: 'missing_at_provider' as const,
              transactionId: row.transaction_id,
              orderId: row.order_id,
              expected: row.amount,
              actual: null,
            })),
          )
          .onConflictDoNothing();
      const last = rows.at(-1);
      return { after: last && rows.length === input.limit ? { at: last.at, id: last.id } : null, missing: rows.length };
    },
  };
}
