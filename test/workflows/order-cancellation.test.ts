import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoices, notifications, payments, shipments, stockLots } from '../../db/schema.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import {
  asService,
  asSupport,
  getOrder,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_DELIVERY_GRACE: '1h' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const cancel = (orderId: string, reason = 'customer changed their mind') =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: asSupport,
    payload: { reason, requestedBy: 'sam@support' },
  });

async function placed(quantity = 2, onHand = 10) {
  const sku = await createProduct(stack.db, { lots: [{ onHand }] });
  const response = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
  expect(response.statusCode).toBe(201);
  return { sku, orderId: response.json().id as string };
}

async function stockOf(sku: string) {
  const [lot] = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku));
  return { onHand: lot!.onHand, reserved: lot!.reserved };
}

describe('cancelOrder', () => {
  it('cancels an order awaiting payment and releases its stock', async () => {
    const { sku, orderId } = await placed();
    await waitForStatus(stack.app, orderId, 'awaiting_payment');
    const response = await cancel(orderId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      orderId,
      status: 'cancelled',
      reason: 'customer changed their mind',
      undone: ['stock_released'],
      refunded: 0,
      creditNote: null,
    });
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 0 });
    const order = await getOrder(stack.app, orderId);
    expect(order.status).toBe('cancelled');
    expect(order.allowedActions).toEqual([]);
    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asService })
    ).json();
    expect(timeline.entries.at(-1)).toMatchObject({
      name: 'order_cancelled',
      actor: 'support',
      reason: 'customer changed their mind',
    });
  });

  it('refunds a paid order held for review, and cancelling twice returns the same answer', async () => {
    const { sku, orderId } = await placed(21, 30);
    await payInFull(stack.app, orderId);
    await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
    const first = await cancel(orderId);
    expect(first.statusCode).toBe(200);
    const order = await getOrder(stack.app, orderId);
    expect(first.json()).toMatchObject({
      undone: ['stock_released', 'payment_refunded'],
      refunded: order.pricing.total,
      creditNote: null,
    });
    expect(order.payment).toMatchObject({ status: 'refunded', amountRefunded: order.pricing.total });
    expect(await stockOf(sku)).toEqual({ onHand: 30, reserved: 0 });

    const second = await cancel(orderId, 'asked again');
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const refunds = (await stack.db.select().from(payments).where(eq(payments.orderId, orderId))).filter(
      (p) => p.kind === 'refund',
    );
    expect(refunds).toHaveLength(1);
  });

  it('undoes a booked shipment: carrier booking cancelled, stock back on the shelf, refund, credit note, customer told', async () => {
    const { sku, orderId } = await placed(3);
    await payInFull(stack.app, orderId);
    const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
    expect(await stockOf(sku)).toEqual({ onHand: 7, reserved: 0 });

    const response = await cancel(orderId);
    expect(response.statusCode).toBe(200);
    const result = response.json();
    expect(result.undone).toEqual(['shipment_cancelled', 'stock_released', 'payment_refunded', 'invoice_credited']);
    expect(result.creditNote).toMatch(/^CN-\d{4}-\d{6}$/);
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 0 });
    const [shipment] = await stack.db.select().from(shipments).where(eq(shipments.orderId, orderId));
    expect(shipment!.status).toBe('cancelled');
    const documents = await stack.db.select().from(invoices).where(eq(invoices.orderId, orderId));
    expect(documents.map((d) => [d.kind, d.total])).toEqual(
      expect.arrayContaining([
        ['invoice', ready.pricing.total],
        ['credit_note', ready.pricing.total],
      ]),
    );
    const creditNote = await stack.app.inject({
      method: 'GET',
      url: `/v1/invoices/${result.creditNote}`,
      headers: asSupport,
    });
    expect(creditNote.json()).toMatchObject({
      kind: 'credit_note',
      creditsInvoice: ready.invoice!.number,
      integrity: 'verified',
    });
    const sent = await stack.db
      .select({ template: notifications.template })
      .from(notifications)
      .where(eq(notifications.orderId, orderId));
    expect(sent.map((n) => n.template)).toContain('order_cancelled');
  });

  it('refuses once the carrier has the parcel: request a return instead', async () => {
    const { orderId } = await placed(1);
    await payInFull(stack.app, orderId);
    const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
    expect((await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up')).statusCode).toBe(202);
    await waitForStatus(stack.app, orderId, 'shipped');
    const response = await cancel(orderId);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ type: '/problems/action-refused', reason: 'NotAllowed' });
    expect(response.json().detail).toMatch(/request a return/);
    expect((await getOrder(stack.app, orderId)).status).toBe('shipped');
  });

  it('validates the request and answers 404 for unknown orders', async () => {
    const { orderId } = await placed(1);
    const noReason = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/cancel`,
      headers: asSupport,
      payload: { requestedBy: 'sam' },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    const unknown = await stack.app.inject({
      method: 'POST',
      url: '/v1/orders/ord_01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel',
      headers: asSupport,
      payload: { reason: 'x', requestedBy: 'sam' },
    });
    expect(unknown.statusCode).toBe(404);
  });
});
