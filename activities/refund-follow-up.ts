import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { orders, payments } from '../db/schema.js';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/order-status.js';
import type { ActivityDeps } from './deps.js';
import { raiseOrderFlag } from './order-flags.js';
import { createOrderActivities } from './orders.js';
import { activityClient } from './production-notices.js';

/** The flag an order gets when the provider never confirmed one of its refunds. */
export const REFUND_UNCONFIRMED = 'refund_unconfirmed';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Following refunds to completion: refunds the provider has not confirmed are asked for again, then handed to a person. */
export function createRefundFollowUpActivities({
  db,
  payments: gateway,
  staffNotifier,
  temporal,
}: Pick<ActivityDeps, 'db' | 'payments' | 'staffNotifier' | 'temporal'>) {
  const { flagEndedOrder } = createOrderActivities({ db });

  /** Hands an unconfirmed refund to a person: a flag on its order and, unless the order's workflow alerts for its flag itself, a staff alert. */
  async function flagUnconfirmed(tx: Transaction, refund: typeof payments.$inferSelect) {
    const client = temporal ?? activityClient();
    if (!client) throw new Error('followUpRefunds needs a Temporal client to flag orders');
    const asked = refund.followUps + 1;
    const reason = `the provider has not confirmed the refund of ${refund.amount} ${refund.currency}, asked ${asked} ${asked === 1 ? 'time' : 'times'}`;
    const detail = {
      transactionId: refund.transactionId,
      amount: refund.amount,
      currency: refund.currency,
      asked,
      requestedAt: refund.createdAt.toISOString(),
    };
    const raised = await raiseOrderFlag(client, flagEndedOrder, {
      orderId: refund.orderId,
      flag: REFUND_UNCONFIRMED,
      reason,
      detail,
    });
    const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, refund.orderId));
    // A running order records the flag itself and alerts staff of it; an ended one has nobody to do so.
    const orderAlerts = raised === 'signalled' && order && !TERMINAL_STATUSES.has(order.status as OrderStatus);
    if (!orderAlerts)
      await staffNotifier.send({
        dedupeKey: `${REFUND_UNCONFIRMED}:${refund.transactionId}`,
        kind: 'order_flagged',
        orderId: refund.orderId,
        subject: `Order ${refund.orderId}: refund ${refund.transactionId} not confirmed`,
        detail: { flag: REFUND_UNCONFIRMED, reason, ...detail },
      });
  }

  return {
    /**
     * One page of refunds the provider has not confirmed within `confirmWithinMs` of their last ask
     * (creation, or the last follow-up): each is asked for again with its own idempotency key (the
     * provider then confirms it again) while fewer than `maxFollowUps` follow-ups were made, else
     * flagged once on its order and to staff. Rows are claimed with SKIP LOCKED, so two runs at once
     * never ask twice; what one run began and did not commit, the next run does again (every effect
     * is idempotent). Answers what it did; fewer than `limit` in all means no more are due.
     */
    async followUpRefunds(input: {
      confirmWithinMs: number;
      maxFollowUps: number;
      limit: number;
    }): Promise<{ askedAgain: number; flagged: number }> {
      const p = payments;
      return db.transaction(async (tx) => {
        // No column keeps the last ask: asks are confirmWithinMs apart, so the next is due at createdAt + (followUps + 1) × confirmWithinMs.
        const due = await tx
          .select()
          .from(p)
          .where(
            and(
              eq(p.status, 'pending'),
              eq(p.kind, 'refund'),
              isNull(p.flaggedAt),
              isNotNull(p.idempotencyKey),
              sql`${p.createdAt} + (${p.followUps} + 1) * make_interval(secs => ${input.confirmWithinMs / 1000}) <= now()`,
            ),
          )
          .orderBy(asc(p.createdAt), asc(p.id))
          .limit(input.limit)
          .for('update', { skipLocked: true });
        const askAgain = due.filter((refund) => refund.followUps < input.maxFollowUps);
        const giveUp = due.filter((refund) => refund.followUps >= input.maxFollowUps);
        for (const refund of askAgain)
          await gateway.refund({
            intentId: refund.intentId,
            amount: refund.amount,
            currency: refund.currency,
            idempotencyKey: refund.idempotencyKey!,
          });
        for (const refund of giveUp) await flagUnconfirmed(tx, refund);
        if (askAgain.length > 0)
          await tx
            .update(p)
            .set({ followUps: sql`${p.followUps} + 1` })
            .where(
              inArray(
                p.id,
                askAgain.map((refund) => refund.id),
              ),
            );
        if (giveUp.length > 0)
          await tx
            .update(p)
            .set({ flaggedAt: sql`now()` })
            .where(
              inArray(
                p.id,
                giveUp.map((refund) => refund.id),
              ),
            );
        return { askedAgain: askAgain.length, flagged: giveUp.length };
      });
    },
  };
}
