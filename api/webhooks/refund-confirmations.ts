import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { payments } from '../../db/schema.js';
import type { PaymentWebhook } from './webhook-schemas.js';

/** What a `refund.succeeded` did to the ledger: confirmed our pending refund, booked one we never asked for, or nothing (told before). */
export type RefundConfirmation = 'confirmed' | 'booked' | 'unchanged';

/**
 * Books the provider's confirmation of a refund in the ledger, whether or not the order's workflow
 * still runs: our pending refund with that transaction id becomes succeeded at the provider's time
 * (settlement matches periods on it), once; a refund made at the provider (its dashboard) is booked
 * as a succeeded refund of the order. A repeated confirmation changes nothing.
 */
export async function confirmRefund(db: Database, orderId: string, event: PaymentWebhook): Promise<RefundConfirmation> {
  const [row] = await db
    .insert(payments)
    .values({
      orderId,
      eventId: event.id,
      intentId: event.paymentIntentId,
      transactionId: event.transactionId,
      kind: 'refund',
      amount: event.amount,
      currency: event.currency,
      occurredAt: new Date(event.occurredAt),
      status: 'succeeded',
    })
    .onConflictDoUpdate({
      target: payments.transactionId,
      set: { status: 'succeeded', occurredAt: new Date(event.occurredAt), eventId: event.id },
      setWhere: and(eq(payments.kind, 'refund'), eq(payments.status, 'pending')),
    })
    // xmax is 0 only on a row this statement inserted: tells a booking from a confirmation.
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  if (!row) return 'unchanged';
  return row.inserted ? 'booked' : 'confirmed';
}
