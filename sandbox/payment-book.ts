import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import {
  sandboxPaymentIntents,
  sandboxPaymentTransactions,
  sandboxPaymentWebhooks,
  sandboxPayouts,
} from '../db/schema.js';
import type { StatementEntry } from '../domain/settlement.js';
import type { PaymentGateway } from '../ports/payment-gateway.js';
import { signWebhookBody } from '../ports/webhook-signature.js';

/** How the sandbox provider behaves: how long a refund takes, and how long a webhook send may take before another try. */
export interface SandboxPaymentBookOptions {
  /** Time from a refund request to its `refund.succeeded` webhook. */
  confirmRefundsAfterMs: number;
  /** The wait before a webhook the merchant did not accept is sent again. */
  retryAfterMs?: number;
}

/** Sends one signed webhook body to the merchant; answers the HTTP status it got. */
export type SendPaymentWebhook = (body: string, signature: string) => Promise<number>;

const hashed = (prefix: string, value: string) =>
  `${prefix}${createHash('sha256').update(value).digest('hex').slice(0, 20)}`;

/** The sandbox intent id for an order (and a reference, for an extra payment): the same as the provider would give again. */
export const sandboxIntentId = (orderId: string, reference?: string) =>
  hashed('pi_sbx_', reference ? `${orderId}:${reference}` : orderId);

/**
 * The sandbox payment provider with books of its own, as a real provider keeps: intents, captures,
 * refunds (pending until paid back), chargebacks and payouts, in its own tables. It tells the
 * merchant through signed webhooks sent when due, and again until accepted.
 */
export function createSandboxPaymentBook(db: Database, secret: string, options: SandboxPaymentBookOptions) {
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  // A webhook the caller sends at once is queued already leased to it: the background sender leaves it
  // alone unless that send fails, and then sends it when the lease ends.
  const INLINE = retryAfterMs;

  async function queueWebhook(eventId: string, body: Record<string, unknown>, dueInMs: number) {
    const dueAt = new Date(Date.now() + dueInMs);
    // Queued again (a refund asked for again): the provider sends it once more.
    await db
      .insert(sandboxPaymentWebhooks)
      .values({ eventId, body, dueAt })
      .onConflictDoUpdate({ target: sandboxPaymentWebhooks.eventId, set: { sentAt: null, dueAt } });
  }

  const gateway: PaymentGateway = {
    async createIntent({ orderId, amount, currency, method, reference }) {
      const intentId = sandboxIntentId(orderId, reference);
      await db
        .insert(sandboxPaymentIntents)
        .values({ id: intentId, orderId, amount, currency, method })
        .onConflictDoNothing();
      return { intentId };
    },

    async amendIntent({ intentId, amount, currency }) {
      await db.update(sandboxPaymentIntents).set({ amount, currency }).where(eq(sandboxPaymentIntents.id, intentId));
      return { intentId };
    },

    async refund({ intentId, amount, currency, idempotencyKey }) {
      const refundId = hashed('re_sbx_', idempotencyKey);
      const [intent] = await db
        .select({ orderId: sandboxPaymentIntents.orderId })
        .from(sandboxPaymentIntents)
        .where(eq(sandboxPaymentIntents.id, intentId));
      await db
        .insert(sandboxPaymentTransactions)
        .values({
          id: refundId,
          intentId,
          orderId: intent?.orderId ?? null,
          kind: 'refund',
          amount,
          currency,
          status: 'pending',
          refundKey: idempotencyKey,
          occurredAt: new Date(),
        })
        .onConflictDoNothing();
      await queueWebhook(
        `evt_${refundId}`,
        {
          type: 'refund.succeeded',
          orderId: intent?.orderId ?? null,
          paymentIntentId: intentId,
          transactionId: refundId,
          amount,
          currency,
        },
        options.confirmRefundsAfterMs,
      );
      return { refundId };
    },

    async statement({ from, to, currency, after, limit }) {
      const t = sandboxPaymentTransactions;
      const [afterAt, afterId] = after ? after.split('|') : [];
      const rows = await db
        .select()
        .from(t)
        .where(
          and(
            eq(t.currency, currency),
            eq(t.status, 'succeeded'),
            gte(t.occurredAt, new Date(from)),
            lt(t.occurredAt, new Date(to)),
            afterAt
              ? or(
                  sql`${t.occurredAt} > ${afterAt}::timestamptz`,
                  and(sql`${t.occurredAt} = ${afterAt}::timestamptz`, sql`${t.id} > ${afterId}`),
                )
              : undefined,
          ),
        )
        .orderBy(asc(t.occurredAt), asc(t.id))
        .limit(limit);
      const entries: StatementEntry[] = rows.map((row) => ({
        transactionId: row.id,
        paymentIntentId: row.intentId,
        orderId: row.orderId,
        kind: row.kind,
        amount: row.amount,
        currency: row.currency,
        occurredAt: row.occurredAt.toISOString(),
      }));
      const last = rows.at(-1);
      // The book's times come from JavaScript dates, so milliseconds are exact and the cursor repeats no row.
      const next = last && rows.length === limit ? `${last.occurredAt.toISOString()}|${last.id}` : null;
      return { entries, next };
    },

    async requestPayout({ reference, amount, currency }) {
      const id = hashed('po_sbx_', reference);
      await db
        .insert(sandboxPayouts)
        .values({ id, reference, amount, currency, status: 'paid' })
        .onConflictDoNothing({ target: sandboxPayouts.reference });
      const [payout] = await db.select().from(sandboxPayouts).where(eq(sandboxPayouts.reference, reference));
      return { payoutId: payout!.id, status: payout!.status };
    },
  };

  /** A customer paid on an intent: the provider books the capture and, unless told not to, owes the merchant its webhook. */
  async function capture(request: { paymentIntentId: string; amount: number; deliverWebhook: boolean }) {
    const [intent] = await db
      .select()
      .from(sandboxPaymentIntents)
      .where(eq(sandboxPaymentIntents.id, request.paymentIntentId));
    if (!intent) return undefined;
    const eventId = `evt_${randomUUID()}`;
    const transactionId = `txn_${eventId}`;
    const occurredAt = new Date();
    await db.insert(sandboxPaymentTransactions).values({
      id: transactionId,
      intentId: intent.id,
      orderId: intent.orderId,
      kind: 'capture',
      amount: request.amount,
      currency: intent.currency,
      status: 'succeeded',
      occurredAt,
    });
    if (request.deliverWebhook)
      await queueWebhook(
        eventId,
        {
          type: 'payment.succeeded',
          orderId: intent.orderId,
          paymentIntentId: intent.id,
          transactionId,
          amount: request.amount,
          currency: intent.currency,
          occurredAt: occurredAt.toISOString(),
        },
        INLINE,
      );
    return { transactionId, eventId, orderId: intent.orderId, currency: intent.currency, occurredAt };
  }

  /** The customer disputed a capture with their bank: the provider books the chargeback and owes the merchant its webhook. */
  async function chargeback(request: { transactionId: string; amount?: number | undefined; deliverWebhook: boolean }) {
    const [captured] = await db
      .select()
      .from(sandboxPaymentTransactions)
      .where(
        and(eq(sandboxPaymentTransactions.id, request.transactionId), eq(sandboxPaymentTransactions.kind, 'capture')),
      );
    if (!captured) return undefined;
    const transactionId = hashed('cb_sbx_', captured.id);
    const amount = request.amount ?? captured.amount;
    const occurredAt = new Date();
    const inserted = await db
      .insert(sandboxPaymentTransactions)
      .values({
        id: transactionId,
        intentId: captured.intentId,
        orderId: captured.orderId,
        kind: 'chargeback',
        amount,
        currency: captured.currency,
        status: 'succeeded',
        occurredAt,
      })
      .onConflictDoNothing()
      .returning({ id: sandboxPaymentTransactions.id });
    const eventId = `evt_${transactionId}`;
    if (inserted.length > 0 && request.deliverWebhook)
      await queueWebhook(
        eventId,
        {
          type: 'chargeback.created',
          orderId: captured.orderId,
          paymentIntentId: captured.intentId,
          transactionId,
          amount,
          currency: captured.currency,
          occurredAt: occurredAt.toISOString(),
        },
        INLINE,
      );
    return { transactionId, eventId, orderId: captured.orderId };
  }

  /**
   * Sends the webhooks that are due (or `eventIds`, due or not: the ones queued for an inline send), each signed; a refund is paid back when its
   * webhook first goes out. What the merchant does not accept is sent again after `retryAfterMs`.
   */
  async function sendDue(send: SendPaymentWebhook, eventIds?: string[], limit = 50): Promise<{ sent: number }> {
    const w = sandboxPaymentWebhooks;
    const leaseUntil = new Date(Date.now() + retryAfterMs);
    // Claim the due rows first, so two senders never send the same webhook at once.
    const claimed = await db
      .update(w)
      .set({ dueAt: leaseUntil, attempts: sql`${w.attempts} + 1` })
      .where(
        inArray(
          w.eventId,
          db
            .select({ id: w.eventId })
            .from(w)
            .where(and(isNull(w.sentAt), eventIds ? inArray(w.eventId, eventIds) : lte(w.dueAt, new Date())))
            .orderBy(asc(w.dueAt))
            .limit(limit)
            .for('update', { skipLocked: true }),
        ),
      )
      .returning();
    let sent = 0;
    for (const webhook of claimed) {
      const body: Record<string, unknown> = { id: webhook.eventId, ...webhook.body };
      if (body.type === 'refund.succeeded') body.occurredAt = await payBack(String(body.transactionId));
      const raw = JSON.stringify(body);
      const status = await send(raw, signWebhookBody(raw, secret)).catch(() => 0);
      if (status >= 200 && status < 300) {
        await db.update(w).set({ sentAt: new Date() }).where(eq(w.eventId, webhook.eventId));
        sent += 1;
      }
    }
    return { sent };
  }

  /** Marks a refund paid back (once) and answers when it was. */
  async function payBack(refundId: string): Promise<string> {
    const t = sandboxPaymentTransactions;
    await db
      .update(t)
      .set({ status: 'succeeded', occurredAt: new Date() })
      .where(and(eq(t.id, refundId), eq(t.status, 'pending')));
    const [refund] = await db.select({ occurredAt: t.occurredAt }).from(t).where(eq(t.id, refundId));
    return (refund?.occurredAt ?? new Date()).toISOString();
  }

  return { gateway, capture, chargeback, sendDue };
}

/** The sandbox payment provider's book, as created by createSandboxPaymentBook. */
export type SandboxPaymentBook = ReturnType<typeof createSandboxPaymentBook>;
