import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOwedWebhooks } from '../../api/webhooks/deliveries.js';
import { sandboxPaymentTransactions, webhookEvents } from '../../db/schema.js';
import { asSupport, getOrder, getTimeline, sendPaymentWebhook } from '../support/http.js';
import { paidOrderInReview, refundRowsOf } from '../support/settlement.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // The provider pays a refund back quickly, but not before the cancellation has answered.
  stack = await startTestStack({ SANDBOX_REFUND_DELAY: '2s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const paidOrder = () => paidOrderInReview(stack);

const cancel = (orderId: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: asSupport,
    payload: { reason: 'customer changed their mind', requestedBy: 'sam@support' },
  });

const refundRows = (orderId: string) => refundRowsOf(stack, orderId);

describe('refunds tracked to completion', () => {
  it('books a cancellation refund as pending, then succeeded at the provider time, once', async () => {
    const order = await paidOrder();
    const total = order.pricing.total;
    const cancelled = await cancel(order.id);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', refunded: total });

    const [pending] = await refundRows(order.id);
    expect(pending).toMatchObject({
      status: 'pending',
      amount: total,
      idempotencyKey: `${order.id}:refund:full`,
      eventId: null,
      followUps: 0,
      flaggedAt: null,
    });
    const refundId = pending!.transactionId;
    const asPending = await getOrder(stack.app, order.id);
    expect(asPending.payment).toMatchObject({ amountPaid: total, amountRefunded: total, refundsPending: total });
    expect(asPending.payment.refunds).toEqual([
      {
        refundId,
        amount: total,
        status: 'pending',
        requestedAt: pending!.createdAt.toISOString(),
        confirmedAt: null,
        reason: 'customer changed their mind',
      },
    ]);

    // The provider pays it back after its delay and sends refund.succeeded; the order has ended by then.
    await expect
      .poll(async () => (await refundRows(order.id))[0]?.status, { timeout: 15_000, interval: 100 })
      .toBe('succeeded');
    const [atProvider] = await stack.db
      .select()
      .from(sandboxPaymentTransactions)
      .where(eq(sandboxPaymentTransactions.id, refundId));
    expect(atProvider).toMatchObject({ status: 'succeeded', amount: total });
    const providerTime = atProvider!.occurredAt.toISOString();
    const confirmed = await refundRows(order.id);
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]).toMatchObject({ status: 'succeeded', eventId: `evt_${refundId}`, amount: total });
    expect(confirmed[0]!.occurredAt.toISOString()).toBe(providerTime);
    // The ledger is confirmed before the event is marked delivered: wait for both.
    const delivery = async () => {
      const [received] = await stack.db
        .select()
        .from(webhookEvents)
        .where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, `evt_${refundId}`)));
      return { orderId: received?.orderId, outcome: received?.outcome, delivered: Boolean(received?.deliveredAt) };
    };
    await expect
      .poll(delivery, { timeout: 10_000, interval: 100 })
      .toEqual({ orderId: order.id, outcome: 'order_closed', delivered: true });

    const asConfirmed = await getOrder(stack.app, order.id);
    expect(asConfirmed.payment).toMatchObject({ amountRefunded: total, refundsPending: 0, status: 'refunded' });
    expect(asConfirmed.payment.refunds).toEqual([
      {
        refundId,
        amount: total,
        status: 'succeeded',
        requestedAt: pending!.createdAt.toISOString(),
        confirmedAt: providerTime,
        reason: 'customer changed their mind',
      },
    ]);

    // The same webhook again, and the provider telling it again under another event id: nothing changes.
    const repeat = {
      type: 'refund.succeeded',
      transactionId: refundId,
      amount: total,
      occurredAt: new Date(Date.parse(providerTime) + 60_000).toISOString(),
    };
    const again = await sendPaymentWebhook(stack.app, order, { ...repeat, id: `evt_${refundId}` });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ duplicate: true });
    const retold = await sendPaymentWebhook(stack.app, order, repeat);
    expect(retold.statusCode).toBe(202);
    expect(await refundRows(order.id)).toEqual(confirmed);
    expect((await getOrder(stack.app, order.id)).payment.refunds).toEqual(asConfirmed.payment.refunds);
  });

  it('books once a refund made at the provider that we never asked for, while the order runs', async () => {
    const order = await paidOrder();
    const refundId = `re_dashboard_${randomUUID()}`;
    const occurredAt = '2026-11-30T10:15:00.000Z';
    const event = { id: `evt_${randomUUID()}`, type: 'refund.succeeded', transactionId: refundId, amount: 500 };
    const first = await sendPaymentWebhook(stack.app, order, { ...event, occurredAt });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ received: true, duplicate: false, outcome: 'delivered' });
    const again = await sendPaymentWebhook(stack.app, order, { ...event, occurredAt });
    expect(again.json()).toMatchObject({ duplicate: true });
    const retold = await sendPaymentWebhook(stack.app, order, {
      ...event,
      id: `evt_${randomUUID()}`,
      occurredAt: '2026-11-30T11:00:00.000Z',
    });
    expect(retold.statusCode).toBe(202);

    // The running order still hears of it.
    await expect
      .poll(async () => (await getTimeline(stack.app, order.id)).filter((e) => e.name === 'refund_succeeded').length, {
        timeout: 10_000,
        interval: 100,
      })
      .toBeGreaterThan(0);
    const rows = await refundRows(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      transactionId: refundId,
      status: 'succeeded',
      amount: 500,
      eventId: event.id,
      idempotencyKey: null,
      failureReason: null,
    });
    expect(rows[0]!.occurredAt.toISOString()).toBe(occurredAt);
    const resource = await getOrder(stack.app, order.id);
    expect(resource.payment).toMatchObject({ amountRefunded: 500, refundsPending: 0 });
    expect(resource.payment.refunds).toEqual([
      { refundId, amount: 500, status: 'succeeded', requestedAt: occurredAt, confirmedAt: occurredAt, reason: null },
    ]);
  });

  it('books a confirmation for an ended order that the API recorded but never delivered, when its sweep delivers it', async () => {
    const order = await paidOrder();
    const cancelled = await cancel(order.id);
    expect(cancelled.statusCode).toBe(200);
    const refundId = `re_dashboard_${randomUUID()}`;
    const eventId = `evt_${randomUUID()}`;
    const occurredAt = '2026-11-30T12:00:00.000Z';
    // As if the API had stopped between recording the event and delivering it.
    await stack.db.insert(webhookEvents).values({
      source: 'payments',
      eventId,
      orderId: order.id,
      payload: {
        id: eventId,
        type: 'refund.succeeded',
        orderId: order.id,
        paymentIntentId: order.payment.intentId,
        transactionId: refundId,
        amount: 700,
        currency: order.pricing.currency,
        occurredAt,
      },
      receivedAt: new Date(Date.now() - 60 * 60_000),
    });
    await deliverOwedWebhooks({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue }, 30 * 60_000);
    const [delivered] = await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId));
    expect(delivered).toMatchObject({ outcome: 'order_closed' });
    expect(delivered!.deliveredAt).not.toBeNull();
    const booked = (await refundRows(order.id)).filter((row) => row.transactionId === refundId);
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ status: 'succeeded', amount: 700, eventId });
    expect(booked[0]!.occurredAt.toISOString()).toBe(occurredAt);
  });
});
