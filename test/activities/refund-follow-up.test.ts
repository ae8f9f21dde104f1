import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefundFollowUpActivities } from '../../activities/refund-follow-up.js';
import { payments, sandboxPaymentTransactions, sandboxPaymentWebhooks, staffAlerts } from '../../db/schema.js';
import { createSandboxPaymentBook } from '../../sandbox/payment-book.js';
import { createSandboxStaffNotifier } from '../../sandbox/staff-notifier.js';
import { refundFollowUpWorkflow } from '../../workflows/refund-follow-up.js';
import { asSupport, getOrder, getTimeline } from '../support/http.js';
import { paidOrderInReview, refundRowsOf } from '../support/settlement.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

const HOUR = 60 * 60_000;

beforeAll(async () => {
  // The provider takes an hour to confirm a refund the worker asks for: no confirmation arrives by itself here.
  stack = await startTestStack({ SANDBOX_REFUND_DELAY: '1h' });
  await stack.startWorker();
});
afterAll(() => stack.close());

/** An order paid through the sandbox provider and cancelled by support: its refund waits for the provider. */
async function refundedOrder() {
  const order = await paidOrderInReview(stack);
  const orderId = order.id;
  const cancelled = await stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: asSupport,
    payload: { reason: 'customer changed their mind', requestedBy: 'sam@support' },
  });
  expect(cancelled.statusCode).toBe(200);
  const [refund] = await refundRows(orderId);
  expect(refund).toMatchObject({ status: 'pending', followUps: 0, amount: order.pricing.total });
  return { order, refund: refund! };
}

const refundRows = (orderId: string) => refundRowsOf(stack, orderId);

/**
 * Moves one refund's creation back in time. Refunds of other test files are seconds old, so with an
 * hour to confirm only these are due: the follow-up's counts are this file's own.
 */
const askedAgo = (refundId: string, ms: number) =>
  stack.db
    .update(payments)
    .set({ createdAt: sql`${payments.createdAt} - make_interval(secs => ${ms / 1000})` })
    .where(eq(payments.transactionId, refundId));

const outboxOf = (refundId: string) =>
  stack.db
    .select()
    .from(sandboxPaymentWebhooks)
    .where(eq(sandboxPaymentWebhooks.eventId, `evt_${refundId}`));

const alertsOf = (orderId: string) =>
  stack.db.select().from(staffAlerts).where(eq(staffAlerts.orderId, orderId)).orderBy(asc(staffAlerts.id));

const followUp = (maxFollowUps: number) =>
  stack.client.workflow.execute(refundFollowUpWorkflow, {
    workflowId: `refund-follow-up-${Date.now()}-${Math.random()}`,
    taskQueue: stack.taskQueue,
    args: [{ confirmWithinMs: HOUR, maxFollowUps }],
  });

describe('followUpRefunds', () => {
  it('asks the provider again for a refund whose confirmation was lost, once even when two runs race, and books the confirmation', async () => {
    const { order, refund } = await refundedOrder();
    // The provider's confirmation is lost on the way.
    expect(
      await stack.db
        .delete(sandboxPaymentWebhooks)
        .where(eq(sandboxPaymentWebhooks.eventId, `evt_${refund.transactionId}`))
        .returning(),
    ).toHaveLength(1);
    await askedAgo(refund.transactionId, 1.5 * HOUR);

    // Asked again, the provider confirms at once.
    const provider = createSandboxPaymentBook(stack.db, 'unused-secret', { confirmRefundsAfterMs: 0 });
    const { followUpRefunds } = createRefundFollowUpActivities({
      db: stack.db,
      payments: provider.gateway,
      staffNotifier: createSandboxStaffNotifier(stack.db),
      temporal: stack.client,
    });
    const input = { confirmWithinMs: HOUR, maxFollowUps: 3, limit: 50 };
    const runs = await Promise.all([followUpRefunds(input), followUpRefunds(input)]);
    expect(runs.map((run) => run.askedAgain).sort()).toEqual([0, 1]);
    expect(runs.map((run) => run.flagged)).toEqual([0, 0]);
    expect(
      await stack.db
        .select()
        .from(sandboxPaymentTransactions)
        .where(eq(sandboxPaymentTransactions.refundKey, refund.idempotencyKey!)),
    ).toHaveLength(1);

    await expect
      .poll(async () => (await refundRows(order.id))[0]?.status, { timeout: 15_000, interval: 100 })
      .toBe('succeeded');
    const [atProvider] = await stack.db
      .select()
      .from(sandboxPaymentTransactions)
      .where(eq(sandboxPaymentTransactions.id, refund.transactionId));
    const [confirmed] = await refundRows(order.id);
    expect(confirmed).toMatchObject({ followUps: 1, flaggedAt: null, eventId: `evt_${refund.transactionId}` });
    expect(confirmed!.occurredAt.toISOString()).toBe(atProvider!.occurredAt.toISOString());
    expect((await getOrder(stack.app, order.id)).payment).toMatchObject({ refundsPending: 0 });
    // Confirmed refunds are done with: a later run leaves them be.
    expect(await followUpRefunds(input)).toEqual({ askedAgain: 0, flagged: 0 });
    expect(await alertsOf(order.id)).toEqual([]);
  });

  it('asks again until the asks run out, then flags the order and alerts staff once', async () => {
    const { order, refund } = await refundedOrder();
    const [queued] = await outboxOf(refund.transactionId);
    await askedAgo(refund.transactionId, 1.5 * HOUR);

    expect(await followUp(1)).toEqual({ askedAgain: 1, flagged: 0 });
    const [askedAgain] = await refundRows(order.id);
    expect(askedAgain).toMatchObject({ status: 'pending', followUps: 1, flaggedAt: null });
    // The provider was asked again with the same key: it queued its confirmation once more.
    const [requeued] = await outboxOf(refund.transactionId);
    expect(requeued!.dueAt.getTime()).toBeGreaterThan(queued!.dueAt.getTime());
    // Not due again before another hour has passed since that ask.
    expect(await followUp(1)).toEqual({ askedAgain: 0, flagged: 0 });

    await askedAgo(refund.transactionId, HOUR);
    expect(await followUp(1)).toEqual({ askedAgain: 0, flagged: 1 });
    const [flagged] = await refundRows(order.id);
    expect(flagged).toMatchObject({ status: 'pending', followUps: 1 });
    expect(flagged!.flaggedAt).not.toBeNull();
    const reason = `the provider has not confirmed the refund of ${refund.amount} ${refund.currency}, asked 2 times`;
    const detail = {
      transactionId: refund.transactionId,
      amount: refund.amount,
      currency: refund.currency,
      asked: 2,
      requestedAt: flagged!.createdAt.toISOString(),
    };
    expect((await getTimeline(stack.app, order.id)).filter((e) => e.name === 'refund_unconfirmed')).toMatchObject([
      { kind: 'flag', status: 'cancelled', actor: 'orchestrator', reason, detail },
    ]);
    expect((await getOrder(stack.app, order.id)).flags).toContain('refund_unconfirmed');
    expect(await alertsOf(order.id)).toMatchObject([
      {
        dedupeKey: `refund_unconfirmed:${refund.transactionId}`,
        kind: 'order_flagged',
        detail: { flag: 'refund_unconfirmed', reason, ...detail },
      },
    ]);

    // Flagged once: later runs neither flag nor ask again.
    await askedAgo(refund.transactionId, 5 * HOUR);
    expect(await followUp(1)).toEqual({ askedAgain: 0, flagged: 0 });
    expect((await getTimeline(stack.app, order.id)).filter((e) => e.name === 'refund_unconfirmed')).toHaveLength(1);
    expect(await alertsOf(order.id)).toHaveLength(1);
  });

  it('flags at once with no follow-ups allowed', async () => {
    const { order, refund } = await refundedOrder();
    await askedAgo(refund.transactionId, 1.5 * HOUR);
    expect(await followUp(0)).toEqual({ askedAgain: 0, flagged: 1 });
    expect(await followUp(0)).toEqual({ askedAgain: 0, flagged: 0 });
    const [flagged] = await refundRows(order.id);
    expect(flagged).toMatchObject({ status: 'pending', followUps: 0 });
    expect(flagged!.flaggedAt).not.toBeNull();
    expect((await getTimeline(stack.app, order.id)).filter((e) => e.name === 'refund_unconfirmed')).toMatchObject([
      { reason: `the provider has not confirmed the refund of ${refund.amount} ${refund.currency}, asked 1 time` },
    ]);
    expect(await alertsOf(order.id)).toHaveLength(1);
  });
});
