import type { StatementEntry } from '../domain/settlement.js';

/** What the orchestrator asks of a payment provider. A real provider is one more implementation. */
export interface PaymentGateway {
  /**
   * Opens (or returns the already opened) payment intent for an order; idempotent by order id and
   * reference. The reference tells apart a second intent for the same order, such as an extra payment after an edit.
   */
  createIntent(request: {
    orderId: string;
    amount: number;
    currency: string;
    method: string;
    reference?: string | undefined;
  }): Promise<{ intentId: string }>;
  /** Changes what an unpaid intent asks the customer for; the same amount twice is one change. */
  amendIntent(request: { intentId: string; amount: number; currency: string }): Promise<{ intentId: string }>;
  /** Refunds part or all of a captured intent; the same idempotency key refunds once. */
  refund(request: {
    intentId: string;
    amount: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<{ refundId: string }>;
  /**
   * One page of the provider's statement: the money it moved with `occurredAt` in [from, to) in one
   * currency, in the provider's order; `after` is the last page's `next`.
   */
  statement(request: {
    from: string;
    to: string;
    currency: string;
    after?: string | null | undefined;
    limit: number;
  }): Promise<{ entries: StatementEntry[]; next: string | null }>;
  /** Asks the provider to pay a settlement's net amount to the merchant; the same reference is one payout. */
  requestPayout(request: {
    reference: string;
    amount: number;
    currency: string;
  }): Promise<{ payoutId: string; status: 'pending' | 'paid' }>;
}
