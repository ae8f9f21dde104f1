import { eq, sql } from 'drizzle-orm';
import { orders, payments } from '../db/schema.js';
import type { PaymentEventRecord } from '../domain/payment-events.js';
import type { ActivityDeps } from './deps.js';

const KIND = {
  'payment.succeeded': 'capture',
  'payment.failed': 'failure',
  'refund.succeeded': 'refund',
  'chargeback.created': 'chargeback',
} as const;

/** Payment intents and the payment ledger. */
export function createPaymentActivities({ db, payments: gateway }: Pick<ActivityDeps, 'db' | 'payments'>) {
  return {
    /** Opens the order's payment intent with the provider and remembers its id on the order; a reference opens an extra intent. */
    async createPaymentIntent(input: {
      orderId: string;
      amount: number;
      currency: string;
      method: string;
      reference?: string | undefined;
    }): Promise<{ intentId: string }> {
      const intent = await gateway.createIntent(input);
      if (!input.reference)
        await db.update(orders).set({ paymentIntentId: intent.intentId }).where(eq(orders.id, input.orderId));
      return intent;
    },

    /** Asks the customer for a new amount on an intent nobody has paid yet (the order was edited). */
    async amendPaymentIntent(input: {
      intentId: string;
      amount: number;
      currency: string;
    }): Promise<{ intentId: string }> {
      return gateway.amendIntent(input);
    },

    /**
     * Adds a provider event to the ledger once per provider transaction id; returns whether it was new.
     * `duplicateOf` names the earlier event that brought the same transaction: the provider told us
     * twice about one payment, which is no second payment. A retry of the same event is not a duplicate.
     */
    async recordPaymentEvent(
      event: PaymentEventRecord & { eventId?: string | undefined },
    ): Promise<{ recorded: boolean; duplicateOf?: string }> {
      const inserted = await db
        .insert(payments)
        .values({
          orderId: event.orderId,
          eventId: event.eventId ?? null,
          intentId: event.paymentIntentId,
          transactionId: event.transactionId,
          kind: KIND[event.type],
          amount: event.amount,
          currency: event.currency,
          failureReason: event.failureReason ?? null,
          occurredAt: new Date(event.occurredAt),
        })
        .onConflictDoNothing()
        .returning({ id: payments.id });
      if (inserted.length > 0) return { recorded: true };
      const [earlier] = await db
        .select({ eventId: payments.eventId })
        .from(payments)
        .where(eq(payments.transactionId, event.transactionId));
      if (!earlier || !event.eventId || earlier.eventId === event.eventId) return { recorded: false };
      // Rows from before event ids were kept name no event, but were brought by another one all the same.
      return { recorded: false, duplicateOf: earlier.eventId ?? 'an earlier event' };
    },

    /**
     * Asks the provider to refund money to the customer, once per key, and books the refund in the
     * ledger as pending: it is money back only when the provider confirms it (`refund.succeeded`).
     */
    async refundPayment(input: {
      orderId: string;
      intentId: string;
      amount: number;
      currency: string;
      reason: string;
      idempotencyKey: string;
    }): Promise<{ refundId: string }> {
      const { refundId } = await gateway.refund(input);
      await db
        .insert(payments)
        .values({
          orderId: input.orderId,
          intentId: input.intentId,
          transactionId: refundId,
          kind: 'refund',
          amount: input.amount,
          currency: input.currency,
          failureReason: input.reason,
          occurredAt: new Date(),
          status: 'pending',
          idempotencyKey: input.idempotencyKey,
        })
        // A confirmation faster than this write booked the refund already: it keeps its status and time, and learns the key and reason.
        .onConflictDoUpdate({
          target: payments.transactionId,
          set: {
            idempotencyKey: sql`coalesce(${payments.idempotencyKey}, excluded.idempotency_key)`,
            failureReason: sql`coalesce(${payments.failureReason}, excluded.failure_reason)`,
          },
        });
      return { refundId };
    },
  };
}
