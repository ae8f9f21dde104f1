import { WorkflowUpdateFailedError } from '@temporalio/client';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments, stockLots, webhookEvents } from '../../db/schema.js';
import { MAX_MONEY_MINOR } from '../../domain/money-limits.js';
import { cancelOrderUpdate } from '../../workflows/messages.js';
import { latePaymentWorkflowId, orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import {
  asService,
  asSupport,
  getOrder,
  payInFull,
  postOrder,
  sendPaymentWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_DELIVERY_GRACE: '1h' });
  await stack.startWorker();
});
afterAll(() => stack.close());

async function awaitingPayment(quantity = 1, onHand = 10) {
  const sku = await createProduct(stack.db, { lots: [{ onHand }] });
  const response = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
  expect(response.statusCode).toBe(201);
  return { sku, order: await waitForStatus(stack.app, response.json().id, 'awaiting_payment') };
}

const ledgerOf = async (orderId: string) =>
  (await stack.db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id))).map((p) => [
    p.kind,
    p.amount,
  ]);

const timeline = async (orderId: string) =>
  (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asService })).json()
    .entries as Array<{ kind: string; name: string; reason: string | null }>;

/** Makes Postgres refuse one order's rows in `table` as a constraint would, for as long as the test needs. */
async function refuseRows(table: 'shipments' | 'notifications', orderId: string, code: string, when = 'true') {
  const name = `test_refuse_${uniqueTag().toLowerCase()}`;
  await stack.db.execute(
    sql.raw(
      `create function ${name}() returns trigger language plpgsql as $$ begin if new.order_id = '${orderId}' and ${when} then raise exception 'refused by test' using errcode = '${code}'; end if; return new; end $$`,
    ),
  );
  await stack.db.execute(
    sql.raw(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`),
  );
  return async () => {
    await stack.db.execute(sql.raw(`drop trigger ${name} on ${table}`));
    await stack.db.execute(sql.raw(`drop function ${name}()`));
  };
}

describe('a capture told twice', () => {
  it('under two event ids is one payment: nothing refunded, counted once', async () => {
    const { order } = await awaitingPayment();
    const transactionId = `txn_${uniqueTag()}`;
    expect((await sendPaymentWebhook(stack.app, order, { transactionId })).statusCode).toBe(202);
    expect((await sendPaymentWebhook(stack.app, order, { transactionId })).json()).toMatchObject({
      duplicate: false,
      outcome: 'delivered',
    });
    const ready = await waitForStatus(stack.app, order.id, 'ready_to_ship');
    await expect
      .poll(async () => (await timeline(order.id)).some((e) => e.name === 'payment_reported_again'))
      .toBe(true);

    expect(await ledgerOf(order.id)).toEqual([['capture', order.pricing.total]]);
    expect(ready.payment).toMatchObject({ amountPaid: order.pricing.total, amountRefunded: 0 });
    expect(ready.flags).toEqual([]);
  });

  it('after the order ended is not refunded a second time', async () => {
    const { order } = await awaitingPayment();
    const transactionId = `txn_${uniqueTag()}`;
    expect((await sendPaymentWebhook(stack.app, order, { transactionId })).statusCode).toBe(202);
    await waitForStatus(stack.app, order.id, 'ready_to_ship');
    const cancelled = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      headers: asSupport,
      payload: { reason: 'changed mind', requestedBy: 'sam' },
    });
    expect(cancelled.statusCode).toBe(200);
    await stack.client.workflow.getHandle(orderWorkflowId(order.id)).result();

    const eventId = `evt_${uniqueTag()}`;
    const late = await sendPaymentWebhook(stack.app, order, { id: eventId, transactionId });
    expect(late.json()).toMatchObject({ outcome: 'refunding_late_payment' });
    expect(await stack.client.workflow.getHandle(latePaymentWorkflowId(eventId)).result()).toEqual({ refunded: 0 });
    expect(await ledgerOf(order.id)).toEqual([
      ['capture', order.pricing.total],
      ['refund', order.pricing.total],
    ]);
  });
});

describe('money that names no order of ours', () => {
  it('is recorded once for settlement (202 unknown_order), not refused', async () => {
    const orderId = `ord_UNKNOWN${uniqueTag()}`;
    const eventId = `evt_${uniqueTag()}`;
    const stray = {
      id: orderId,
      payment: { intentId: 'pi_sbx_stray' },
      pricing: { total: 1234, currency: 'EUR' },
    } as never;
    const first = await sendPaymentWebhook(stack.app, stray, { id: eventId });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ received: true, duplicate: false, outcome: 'unknown_order' });
    expect((await sendPaymentWebhook(stack.app, stray, { id: eventId })).json()).toEqual({
      received: true,
      duplicate: true,
      outcome: 'unknown_order',
    });
    const rows = await stack.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, eventId)));
    expect(rows).toEqual([
      expect.objectContaining({
        orderId: null,
        outcome: 'unknown_order',
        payload: expect.objectContaining({ orderId, amount: 1234 }),
      }),
    ]);
  });
});

describe('money range', () => {
  it('refuses an order worth more than the system takes with a 422 naming the lines', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 200_000, lots: [{ onHand: 5 }] });
    const response = await postOrder(stack.app, orderRequest([{ sku, quantity: 999 }]));
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([
      { path: 'lines', message: expect.stringContaining(`at most ${MAX_MONEY_MINOR}`) },
    ]);
  });

  it('refuses a webhook amount beyond the range with a 400, and records nothing', async () => {
    const { order } = await awaitingPayment();
    const eventId = `evt_${uniqueTag()}`;
    const response = await sendPaymentWebhook(stack.app, order, { id: eventId, amount: 3_000_000_000 });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ path: 'amount' })]);
    expect(await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId))).toEqual([]);
  });
});

describe('a step Postgres will never accept', () => {
  it('ends the order failed and flagged, with its stock and money given back, instead of retrying forever', async () => {
    const { sku, order } = await awaitingPayment(2);
    const allow = await refuseRows('shipments', order.id, '23514');
    try {
      await payInFull(stack.app, order.id);
      const failed = await waitForStatus(stack.app, order.id, 'failed');
      expect(failed.flags).toContain('permanent_failure');
      expect(failed.payment).toMatchObject({ amountPaid: order.pricing.total, amountRefunded: order.pricing.total });
    } finally {
      await allow();
    }
    const [lot] = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku)).orderBy(asc(stockLots.id));
    expect(lot).toMatchObject({ onHand: 10, reserved: 0 });
    expect(await ledgerOf(order.id)).toEqual([
      ['capture', order.pricing.total],
      ['refund', order.pricing.total],
    ]);
    const flag = (await timeline(order.id)).find((e) => e.name === 'permanent_failure');
    expect(flag?.reason).toMatch(/bookShipment: Postgres refused the data \(23514\)/);
  });

  it('when it is only a message to the customer, flags it and goes on', async () => {
    const { order } = await awaitingPayment();
    const allow = await refuseRows('notifications', order.id, '22P05', `new.template = 'order_confirmed'`);
    try {
      await payInFull(stack.app, order.id);
      const ready = await waitForStatus(stack.app, order.id, 'ready_to_ship');
      expect(ready.flags).toContain('notification_failed');
    } finally {
      await allow();
    }
  });
});

describe('text Postgres cannot store, sent past the API', () => {
  it('is refused by the workflow itself, and the order stays as it was', async () => {
    const { order } = await awaitingPayment();
    const handle = stack.client.workflow.getHandle(orderWorkflowId(order.id));
    const refused = await handle
      .executeUpdate(cancelOrderUpdate, { args: [{ actor: 'ops', reason: 'bad\u0000byte' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'InvalidRequest',
      message: 'reason must not contain NUL bytes (U+0000)',
    });
    expect((await getOrder(stack.app, order.id)).status).toBe('awaiting_payment');
    const accepted = await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: 'ops', reason: 'a proper reason' }],
    });
    expect(accepted).toMatchObject({ status: 'cancelled', undone: ['stock_released'] });
  });
});
