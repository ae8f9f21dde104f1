import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import {
  DISCREPANCY_KINDS,
  SETTLED_KINDS,
  SETTLEMENT_CYCLES,
  SETTLEMENT_STATUSES,
  type SettlementTotals,
} from '../domain/settlement.js';

// Settlement with the payment provider, and the sandbox provider's own books.

/** One settlement: a cycle's period in one currency, reconciled against the provider and paid out once. */
export const settlements = pgTable('settlements', {
  id: text('id').primaryKey(),
  cycle: text('cycle', { enum: SETTLEMENT_CYCLES }).notNull(),
  periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
  periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
  currency: text('currency').notNull(),
  status: text('status', { enum: SETTLEMENT_STATUSES }).notNull(),
  /** Who asked: `schedule` or the admin's key name. */
  requestedBy: text('requested_by').notNull(),
  totals: jsonb('totals').$type<SettlementTotals>(),
  payoutId: text('payout_id'),
  payoutAmount: integer('payout_amount'),
  payoutStatus: text('payout_status'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  reconciledAt: timestamp('reconciled_at', { withTimezone: true }),
  paidOutAt: timestamp('paid_out_at', { withTimezone: true }),
});

/** The provider's statement for a settlement's period, as imported page by page. */
export const settlementStatementEntries = pgTable(
  'settlement_statement_entries',
  {
    settlementId: text('settlement_id')
      .notNull()
      .references(() => settlements.id),
    transactionId: text('transaction_id').notNull(),
    intentId: text('intent_id').notNull(),
    orderId: text('order_id'),
    kind: text('kind', { enum: SETTLED_KINDS }).notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.transactionId] })],
);

/** Each money movement a settlement counts, with the provider's fee: every amount traces to its transaction. */
export const settlementLines = pgTable(
  'settlement_lines',
  {
    settlementId: text('settlement_id')
      .notNull()
      .references(() => settlements.id),
    transactionId: text('transaction_id').notNull(),
    orderId: text('order_id'),
    kind: text('kind', { enum: SETTLED_KINDS }).notNull(),
    amount: integer('amount').notNull(),
    fee: integer('fee').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.transactionId] })],
);

/** What reconciliation found wrong, once per settlement, kind and transaction, and how it was resolved. */
export const settlementDiscrepancies = pgTable(
  'settlement_discrepancies',
  {
    settlementId: text('settlement_id')
      .notNull()
      .references(() => settlements.id),
    kind: text('kind', { enum: DISCREPANCY_KINDS }).notNull(),
    transactionId: text('transaction_id').notNull(),
    orderId: text('order_id'),
    /** What our ledger says (null: nothing). */
    expected: integer('expected'),
    /** What the provider says (null: nothing). */
    actual: integer('actual'),
    /** How it was handled; null until it is. */
    resolution: text('resolution'),
    foundAt: timestamp('found_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.settlementId, t.kind, t.transactionId] }),
    index('settlement_discrepancies_open')
      .on(t.settlementId)
      .where(sql`${t.resolution} is null`),
  ],
);

/** The sandbox provider's payment intents: what it was asked to collect, for whom. */
export const sandboxPaymentIntents = pgTable('sandbox_payment_intents', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  method: text('method').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The sandbox provider's own book of money movements: the source of its statement, kept apart from our ledger. */
export const sandboxPaymentTransactions = pgTable(
  'sandbox_payment_transactions',
  {
    id: text('id').primaryKey(),
    intentId: text('intent_id').notNull(),
    orderId: text('order_id'),
    kind: text('kind', { enum: SETTLED_KINDS }).notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    /** A refund is pending until the provider has paid it back. */
    status: text('status', { enum: ['pending', 'succeeded'] }).notNull(),
    /** The merchant's idempotency key of a refund: the same key is one refund. */
    refundKey: text('refund_key').unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('sandbox_payment_transactions_amount_positive', sql`${t.amount} > 0`),
    index('sandbox_payment_transactions_statement').on(t.currency, t.occurredAt, t.id),
  ],
);

/** Webhooks the sandbox provider owes the merchant, sent when due and again until accepted. */
export const sandboxPaymentWebhooks = pgTable(
  'sandbox_payment_webhooks',
  {
    eventId: text('event_id').primaryKey(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('sandbox_payment_webhooks_due')
      .on(t.dueAt)
      .where(sql`${t.sentAt} is null`),
  ],
);

/** Payouts the sandbox provider made to the merchant, once per settlement. */
export const sandboxPayouts = pgTable('sandbox_payouts', {
  id: text('id').primaryKey(),
  reference: text('reference').notNull().unique(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  status: text('status', { enum: ['pending', 'paid'] }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
