import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoices, notifications, payments, shipments, stockLots } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asService, getOrder, payInFull, postOrder, sendCarrierWebhook, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_DELIVERY_GRACE: '1h' });
  await stack.startWorker();
});
afterAll(() => stack.close());

async function placed(quantity: number, onHand = 10) {
  const sku = await createProduct(stack.db, { lots: [{ onHand }] });
  const response = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
  expect(response.statusCode).toBe(201);
  return { sku, orderId: response.json().id as string };
}

async function stockOf(sku: string) {
  const [lot] = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku)).orderBy(asc(stockLots.id));
  return { onHand: lot!.onHand, reserved: lot!.reserved };
}

/** What an operator does with "Request Cancellation" in Temporal UI or `temporal workflow cancel`. */
const cancelInTemporal = (orderId: string) => stack.client.workflow.getHandle(orderWorkflowId(orderId)).cancel();

const timeline = async (orderId: string) =>
  (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asService })).json();

describe('a cancel from Temporal UI or the CLI', () => {
  it('is a cancellation like support’s: the unpaid order’s stock is released and the timeline says who', async () => {
    const { sku, orderId } = await placed(3);
    await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 3 });

    await cancelInTemporal(orderId);
    const order = await waitForStatus(stack.app, orderId, 'cancelled');
    expect(order.allowedActions).toEqual([]);
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 0 });
    const result = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).result();
    expect(result).toMatchObject({ status: 'cancelled', cancellation: { result: { undone: ['stock_released'] } } });
    expect((await timeline(orderId)).entries.at(-1)).toMatchObject({
      name: 'order_cancelled',
      actor: 'temporal-operator',
      status: 'cancelled',
    });
    const sent = await stack.db
      .select({ template: notifications.template })
      .from(notifications)
      .where(eq(notifications.orderId, orderId))
      .orderBy(asc(notifications.id));
    expect(sent.map((n) => n.template)).toContain('order_cancelled');
  });

  it('undoes a booked shipment: booking cancelled, stock back, refund, credit note, once each', async () => {
    const { sku, orderId } = await placed(2);
    await payInFull(stack.app, orderId);
    const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');

    await cancelInTemporal(orderId);
    const order = await waitForStatus(stack.app, orderId, 'cancelled');
    expect(order.payment).toMatchObject({ status: 'refunded', amountRefunded: ready.pricing.total });
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 0 });
    const [shipment] = await stack.db.select().from(shipments).where(eq(shipments.orderId, orderId));
    expect(shipment!.status).toBe('cancelled');
    const ledger = await stack.db
      .select()
      .from(payments)
      .where(eq(payments.orderId, orderId))
      .orderBy(asc(payments.id));
    expect(ledger.map((p) => [p.kind, p.amount])).toEqual([
      ['capture', ready.pricing.total],
      ['refund', ready.pricing.total],
    ]);
    const documents = await stack.db
      .select()
      .from(invoices)
      .where(eq(invoices.orderId, orderId))
      .orderBy(asc(invoices.number));
    expect(documents.map((d) => d.kind).sort()).toEqual(['credit_note', 'invoice']);
    expect((await timeline(orderId)).entries.at(-1)).toMatchObject({
      name: 'order_cancelled',
      actor: 'temporal-operator',
      detail: expect.objectContaining({
        undone: ['shipment_cancelled', 'stock_released', 'payment_refunded', 'invoice_credited'],
      }),
    });
  });

  it('is refused once the parcel has left, like support’s: the order goes on and the refusal is flagged', async () => {
    const { orderId } = await placed(1);
    await payInFull(stack.app, orderId);
    const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
    expect((await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up')).statusCode).toBe(202);
    await waitForStatus(stack.app, orderId, 'shipped');

    await cancelInTemporal(orderId);
    await expect.poll(async () => (await getOrder(stack.app, orderId)).flags).toContain('operator_cancel_refused');
    expect((await sendCarrierWebhook(stack.app, ready.shipment!, 'delivered')).statusCode).toBe(202);
    await waitForStatus(stack.app, orderId, 'delivered');
    const refused = (await timeline(orderId)).entries.find(
      (e: { name: string }) => e.name === 'operator_cancel_refused',
    );
    expect(refused).toMatchObject({
      kind: 'flag',
      actor: 'temporal-operator',
      reason: expect.stringMatching(/request a return/),
    });
  });
});
