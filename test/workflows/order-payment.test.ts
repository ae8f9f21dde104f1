import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, payments, stockLots, webhookEvents } from '../../db/schema.js';
import { getOrderStateQuery } from '../../workflows/messages.js';
import { latePaymentWorkflowId, orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import {
  asService,
  getOrder,
  postOrder,
  sendPaymentWebhook,
  waitForMilestone,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_PAYMENT_TIMEOUT: '3s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

async function placeAwaitingPayment(sku: string, quantity = 1, overrides = {}) {
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity }], overrides));
  expect(placed.statusCode).toBe(201);
  return waitForStatus(stack.app, placed.json().id, 'awaiting_payment');
}

async function lot(sku: string) {
  const [row] = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku)).orderBy(asc(stockLots.id));
  return row!;
}

describe('waiting for payment', () => {
  it('confirms the order when the signed payment webhook arrives, once however often it is sent', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 10 }] });
    const order = await placeAwaitingPayment(sku, 3);
    expect((await lot(sku)).reserved).toBe(3);

    const eventId = `evt_${uniqueTag()}`;
    const transactionId = `txn_${uniqueTag()}`;
    const first = await sendPaymentWebhook(stack.app, order, { id: eventId, transactionId });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ received: true, duplicate: false, outcome: 'delivered' });
    const repeat = await sendPaymentWebhook(stack.app, order, { id: eventId, transactionId });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toMatchObject({ duplicate: true });

    const confirmed = await waitForMilestone(stack.app, order.id, 'order_confirmed');
    expect(confirmed.payment).toMatchObject({ status: 'captured', amountPaid: order.pricing.total });
    expect(confirmed.milestones.map((m) => m.name).slice(0, 5)).toEqual([
      'order_received',
      'order_verified',
      'stock_reserved',
      'payment_captured',
      'order_confirmed',
    ]);
    expect(await stack.db.select().from(payments).where(eq(payments.orderId, order.id))).toHaveLength(1);
    expect(
      await stack.db
        .select()
        .from(webhookEvents)
        .where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, eventId))),
    ).toHaveLength(1);
    const state = await stack.client.workflow.getHandle(orderWorkflowId(order.id)).query(getOrderStateQuery);
    expect(state).toMatchObject({ payment: { status: 'captured', amountPaid: order.pricing.total } });
    expect(state.milestones.map((m) => m.name)).toContain('order_confirmed');
  });

  it('refuses webhooks with a bad signature and records nothing', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const order = await placeAwaitingPayment(sku);
    const eventId = `evt_${uniqueTag()}`;
    const forged = await sendPaymentWebhook(stack.app, order, { id: eventId }, 'not-the-secret');
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ type: '/problems/bad-signature' });
    const unsigned = await stack.app.inject({
      method: 'POST',
      url: '/v1/webhooks/payments',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(unsigned.statusCode).toBe(401);
    expect(await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId))).toHaveLength(0);
    expect((await getOrder(stack.app, order.id)).status).toBe('awaiting_payment');
  });

  it('keeps waiting after a failed payment or a wrong amount, and confirms on the retry', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const order = await placeAwaitingPayment(sku);
    expect(
      (await sendPaymentWebhook(stack.app, order, { type: 'payment.failed', failureReason: 'card_declined' }))
        .statusCode,
    ).toBe(202);
    expect((await sendPaymentWebhook(stack.app, order, { amount: order.pricing.total - 1 })).statusCode).toBe(202);
    expect((await sendPaymentWebhook(stack.app, order)).statusCode).toBe(202);
    const confirmed = await waitForMilestone(stack.app, order.id, 'order_confirmed');
    expect(confirmed.flags).toContain('payment_amount_mismatch');

    const timeline = await stack.app.inject({
      method: 'GET',
      url: `/v1/orders/${order.id}/timeline`,
      headers: asService,
    });
    const entries = timeline.json().entries as Array<{ kind: string; name: string; reason: string | null }>;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'note', name: 'payment_failed', reason: 'card_declined' }),
        expect.objectContaining({ kind: 'flag', name: 'payment_amount_mismatch' }),
      ]),
    );
    // The short payment was sent back whole: the customer pays once, the right amount.
    const ledger = await stack.db.select().from(payments).where(eq(payments.orderId, order.id));
    expect(ledger.map((p) => [p.kind, p.amount]).sort()).toEqual(
      [
        ['capture', order.pricing.total - 1],
        ['capture', order.pricing.total],
        ['failure', order.pricing.total],
        ['refund', order.pricing.total - 1],
      ].sort(),
    );
    expect(confirmed.payment).toMatchObject({
      status: 'captured',
      amountPaid: 2 * order.pricing.total - 1,
      amountRefunded: order.pricing.total - 1,
    });
  });

  it('refunds a duplicate payment and the surplus of an overpayment, and flags a chargeback', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const order = await placeAwaitingPayment(sku);
    await sendPaymentWebhook(stack.app, order, { amount: order.pricing.total + 500 });
    await waitForMilestone(stack.app, order.id, 'order_confirmed');
    await sendPaymentWebhook(stack.app, order);
    await sendPaymentWebhook(stack.app, order, { type: 'chargeback.created' });
    await expect
      .poll(async () => (await getOrder(stack.app, order.id)).flags, { timeout: 10_000 })
      .toEqual(['payment_amount_mismatch', 'duplicate_payment', 'chargeback']);
    const refunds = (await stack.db.select().from(payments).where(eq(payments.orderId, order.id))).filter(
      (p) => p.kind === 'refund',
    );
    expect(refunds.map((r) => r.amount).sort((a, b) => a - b)).toEqual(
      [500, order.pricing.total].sort((a, b) => a - b),
    );
    const current = await getOrder(stack.app, order.id);
    expect(current.payment.amountPaid - current.payment.amountRefunded).toBe(order.pricing.total);
  });

  it('cancels an unpaid order at the deadline and gives back its stock and points', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 4 }] });
    const email = `points-${uniqueTag().toLowerCase()}@example.com`;
    const customerId = `cus_${uniqueTag()}`;
    await stack.db.insert(customers).values({
      id: customerId,
      name: 'Points Holder',
      email,
      phone: '+49 30 1111111',
      memberLevel: 'standard',
      points: 100,
    });
    const order = await placeAwaitingPayment(sku, 4, {
      customer: { id: customerId, name: 'Points Holder', email, phone: '+49 30 1111111' },
      pointsToRedeem: 100,
    });
    expect((await lot(sku)).reserved).toBe(4);
    expect((await stack.db.select().from(customers).where(eq(customers.email, email)))[0]!.points).toBe(0);

    const cancelled = await waitForStatus(stack.app, order.id, 'cancelled', 15_000);
    expect(cancelled.milestones.at(-1)!.name).toBe('order_cancelled');
    expect(cancelled.lines[0]!.allocation).toEqual([expect.objectContaining({ status: 'released' })]);
    expect((await lot(sku)).reserved).toBe(0);
    expect((await stack.db.select().from(customers).where(eq(customers.email, email)))[0]!.points).toBe(100);

    const result = await stack.client.workflow.getHandle(orderWorkflowId(order.id)).result();
    expect(result).toMatchObject({ status: 'cancelled', outcome: { reason: 'payment_timeout' } });

    // The customer pays after all: the money is recorded, refunded whole and flagged, once.
    const eventId = `evt_${uniqueTag()}`;
    const late = await sendPaymentWebhook(stack.app, order, { id: eventId });
    expect(late.statusCode).toBe(202);
    expect(late.json()).toEqual({ received: true, duplicate: false, outcome: 'refunding_late_payment' });
    expect(await stack.client.workflow.getHandle(latePaymentWorkflowId(eventId)).result()).toEqual({
      refunded: order.pricing.total,
    });
    const again = await sendPaymentWebhook(stack.app, order, { id: eventId });
    expect(again.json()).toEqual({ received: true, duplicate: true, outcome: 'refunding_late_payment' });
    const ledger = await stack.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, order.id))
      .orderBy(asc(payments.id));
    expect(ledger.map((row) => [row.kind, row.amount])).toEqual([
      ['capture', order.pricing.total],
      ['refund', order.pricing.total],
    ]);
    const ended = await getOrder(stack.app, order.id);
    expect(ended).toMatchObject({
      status: 'cancelled',
      flags: ['late_payment_refunded'],
      payment: { amountPaid: order.pricing.total, amountRefunded: order.pricing.total, amountDue: 0 },
    });
    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${order.id}/timeline`, headers: asService })
    ).json();
    expect(timeline.entries.at(-1)).toMatchObject({ kind: 'flag', name: 'late_payment_refunded', status: 'cancelled' });
    // A failed payment for an ended order needs no money moved: it is only kept for reconciliation.
    const failed = await sendPaymentWebhook(stack.app, order, {
      type: 'payment.failed',
      failureReason: 'expired_card',
    });
    expect(failed.json()).toMatchObject({ outcome: 'order_closed' });
    // A dispute after the end still reaches a person: recorded and flagged.
    const disputeId = `evt_${uniqueTag()}`;
    const dispute = await sendPaymentWebhook(stack.app, order, { id: disputeId, type: 'chargeback.created' });
    expect(dispute.json()).toMatchObject({ outcome: 'flagging_late_chargeback' });
    expect(await stack.client.workflow.getHandle(latePaymentWorkflowId(disputeId)).result()).toEqual({ refunded: 0 });
    expect((await getOrder(stack.app, order.id)).flags).toEqual(['late_payment_refunded', 'chargeback']);
  });

  it('asks for a decision when stock ran out between placement and reservation, holding nothing meanwhile', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }]));
    expect(placed.statusCode).toBe(201);
    const waiting = await waitForStatus(stack.app, placed.json().id, 'awaiting_shortage_decision');
    expect(waiting.lines[0]!.allocation).toEqual([]);
    expect((await lot(sku)).reserved).toBe(0);
  });
});
