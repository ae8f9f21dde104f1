import type { PaymentMethod } from './order-schema.js';

/** How often money is settled with the provider. */
export const SETTLEMENT_CYCLES = ['daily', 'weekly', 'monthly'] as const;
/** A settlement cycle. */
export type SettlementCycle = (typeof SETTLEMENT_CYCLES)[number];

/** Where a settlement is: counting, counted, or paid out to the merchant. */
export const SETTLEMENT_STATUSES = ['running', 'reconciled', 'paid_out'] as const;
/** A settlement's status. */
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** What reconciliation can find wrong between our ledger and the provider's statement. */
export const DISCREPANCY_KINDS = [
  'amount_mismatch',
  'missing_in_ledger',
  'missing_at_provider',
  'duplicate_capture',
  'chargeback',
] as const;
/** A kind of discrepancy. */
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** The money movements a settlement counts. */
export const SETTLED_KINDS = ['capture', 'refund', 'chargeback'] as const;
/** A settled money movement. */
export type SettledKind = (typeof SETTLED_KINDS)[number];

/** One line of the provider's statement: a money movement as the provider booked it. */
export interface StatementEntry {
  transactionId: string;
  paymentIntentId: string;
  orderId: string | null;
  kind: SettledKind;
  amount: number;
  currency: string;
  occurredAt: string;
}

/** A period to settle: from `start` (included) to `end` (excluded), in one currency. */
export interface SettlementPeriod {
  cycle: SettlementCycle;
  periodStart: string;
  periodEnd: string;
  currency: string;
}

/** The fee the provider keeps on a capture: a share in basis points plus a fixed amount, in minor units. */
export interface Fee {
  basisPoints: number;
  fixed: number;
}

/** Fees per payment method, and what a chargeback costs. */
export interface FeeTable {
  byMethod: Record<PaymentMethod, Fee>;
  chargeback: number;
}

/** The provider's published prices, used unless SETTLEMENT_FEES says otherwise. */
export const DEFAULT_FEES: FeeTable = {
  byMethod: {
    credit_card: { basisPoints: 290, fixed: 30 },
    debit_card: { basisPoints: 150, fixed: 20 },
    wallet: { basisPoints: 340, fixed: 0 },
  },
  chargeback: 1500,
};

/** The fee on one settled movement: captures pay the method's rate (half up), refunds cost nothing, chargebacks a fixed fee. */
export function feeFor(kind: SettledKind, amount: number, method: PaymentMethod, fees: FeeTable): number {
  if (kind === 'refund') return 0;
  if (kind === 'chargeback') return fees.chargeback;
  const { basisPoints, fixed } = fees.byMethod[method];
  return Math.floor((amount * basisPoints + 5_000) / 10_000) + fixed;
}

/** The settlement's id: one cycle, period and currency is always the same settlement. */
export function settlementId({ cycle, periodStart, periodEnd, currency }: SettlementPeriod): string {
  const compact = (at: string) => new Date(at).toISOString().replace(/[-:]/g, '').replace('.000', '');
  return `stl_${cycle}_${compact(periodStart)}_${compact(periodEnd)}_${currency}`;
}

/** The whole cycle that ended at or before `at` (UTC): yesterday, last week (Monday to Monday) or last month. */
export function periodBefore(cycle: SettlementCycle, at: Date): { periodStart: string; periodEnd: string } {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const dayMs = 86_400_000;
  if (cycle === 'daily') return span(day - dayMs, day);
  if (cycle === 'weekly') {
    const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * dayMs;
    return span(monday - 7 * dayMs, monday);
  }
  const first = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  return span(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1), first);
}

function span(start: number, end: number) {
  return { periodStart: new Date(start).toISOString(), periodEnd: new Date(end).toISOString() };
}

/** The totals of a settlement, in minor units: net is what the provider pays out. */
export interface SettlementTotals {
  captured: number;
  refunded: number;
  chargebacks: number;
  fees: number;
  net: number;
}
