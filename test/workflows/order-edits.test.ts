import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, payments, stockLots } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import {
  asSupport,
  getOrder,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  sendPaymentWebhook,
  waitForStatus,
} from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_PAYMENT_TIMEOUT: '6s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const edit = (orderId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.app.inject({
    method: 'PATCH',
    url: `/v1/orders/${orderId}`,
    headers: { ...asSupport, ...headers },
    payload: { requestedBy: 'sam@support', ...body },
  });

const newAddress = {
  recipient: 'Erika Mustermann',
  phone: '+49 89 7654321',
  country: 'DE',
  region: 'Bayern',
  city: 'München',
  line1: 'Marienplatz 8',
  postalCode: '80331',
};

async function timeline(orderId: string) {
  return (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })).json()
    .entries as Array<{ name: string; actor: string; reason: string | null; detail: Record<string, unknown> | null }>;
}

async function requests(orderId: string) {
  return (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })).json()
    .requests as Array<{
    action: string;
    actor: string;
    outcome: string;
    status: string;
    answer: Record<string, unknown>;
  }>;
}

async function reserved(sku: string) {
  const lots = await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku));
  return lots.reduce((sum, lot) => sum + lot.reserved, 0);
}

/** An order held for review (more than 20 units of one SKU), paid in full and waiting for a person. */
async function paidOrderAwaitingReview(quantity = 21) {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 100 }] });
  const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity }]))).json().id as string;
  await payInFull(stack.app, orderId);
  const order = await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
  return { sku, orderId, order };
}

describe('editing an order', () => {
  it('changes lines before payment: re-priced, re-reserved, and the new total is what the customer pays', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 1_500, lots: [{ onHand: 10 }] });
    const other = await createProduct(stack.db, { priceMinor: 700, lots: [{ onHand: 10 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id as string;
    const before = await waitForStatus(stack.app, orderId, 'awaiting_payment');

    const response = await edit(orderId, {
      lines: [
        { sku, quantity: 2 },
        { sku: other, quantity: 3 },
      ],
      reason: 'customer called',
    });
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({
      orderId,
      status: 'awaiting_payment',
      revision: 1,
      changed: ['lines'],
      previousTotal: before.pricing.total,
    });
    expect(result.settlement).toEqual({ kind: 'amount_due_changed', amountDue: result.total });

    const after = await getOrder(stack.app, orderId);
    expect(after.pricing.subtotal).toBe(2 * 1_500 + 3 * 700);
    expect(after.pricing.total).toBe(result.total);
    expect(
      after.lines.map((line) => [line.sku, line.quantity, line.allocation.reduce((sum, a) => sum + a.quantity, 0)]),
    ).toEqual([
      [sku, 2, 2],
      [other, 3, 3],
    ]);
    expect(await reserved(sku)).toBe(2);
    expect(await reserved(other)).toBe(3);
    expect(after.revision).toBe(1);
    expect(after.payment.amountDue).toBe(result.total);
    expect((await timeline(orderId)).find((entry) => entry.name === 'order_edited')).toMatchObject({
      actor: 'support',
      reason: 'customer called',
    });

    // The old amount no longer pays the order; the new one does.
    expect((await sendPaymentWebhook(stack.app, before)).statusCode).toBe(202);
    await expect
      .poll(async () => (await getOrder(stack.app, orderId)).flags, { timeout: 10_000 })
      .toContain('payment_amount_mismatch');
    expect((await sendPaymentWebhook(stack.app, after)).statusCode).toBe(202);
    const paid = await waitForStatus(stack.app, orderId, 'ready_to_ship');
    expect(paid.payment).toMatchObject({
      amountPaid: before.pricing.total + after.pricing.total,
      amountRefunded: before.pricing.total,
      amountDue: 0,
    });
  });

  it('refuses new lines stock cannot cover, and changes nothing', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 3 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }]))).json().id as string;
    const before = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    const response = await edit(orderId, { lines: [{ sku, quantity: 5 }] });
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json()).toMatchObject({
      status: 409,
      type: '/problems/action-refused',
      orderStatus: 'awaiting_payment',
      reason: 'NotAllowed',
    });
    expect(response.json().detail).toMatch(/stock cannot cover the new lines: .* 3 of 5 available/);
    const after = await getOrder(stack.app, orderId);
    expect(after.pricing).toEqual(before.pricing);
    expect(after.revision).toBe(0);
    expect(await reserved(sku)).toBe(2);
    // The refused request is on record with who asked and why it was refused.
    expect(await requests(orderId)).toEqual([
      expect.objectContaining({
        action: 'edit',
        actor: 'support',
        requestedBy: 'sam@support',
        status: 'awaiting_payment',
        outcome: 'refused',
        answer: expect.objectContaining({ reason: 'NotAllowed', detail: response.json().detail }),
      }),
    ]);
  });

  it('refuses lines that cannot be sold, with the reason', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 3 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id as string;
    await waitForStatus(stack.app, orderId, 'awaiting_payment');
    const response = await edit(orderId, { lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] });
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain('lines.0.sku is not in the catalog');
  });

  it('changes the address until pickup (the carrier booking follows), and refuses it after', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id as string;
    await payInFull(stack.app, orderId);
    const booked = await waitForStatus(stack.app, orderId, 'ready_to_ship');

    const lines = await edit(orderId, { lines: [{ sku, quantity: 2 }] });
    expect(lines.statusCode).toBe(409);
    expect(lines.json().detail).toBe('order is ready_to_ship: lines can change only until the order is confirmed');

    const moved = await edit(orderId, { shippingAddress: newAddress });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({
      changed: ['shipping_address'],
      settlement: { kind: 'none' },
      total: booked.pricing.total,
    });
    const [stored] = await stack.db.select({ request: orders.request }).from(orders).where(eq(orders.id, orderId));
    expect(stored!.request.shippingAddress).toEqual(newAddress);
    expect((await timeline(orderId)).find((entry) => entry.name === 'order_edited')!.detail).toMatchObject({
      changed: ['shipping_address'],
      parcelRedirected: true,
    });
    // The address travelled in the update's payload: Temporal's history holds it encrypted only.
    const history = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
    const update = history.events!.find(
      (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'editOrder',
    )!;
    const [argument] = update.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
    expect(Buffer.from(argument!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(argument!.data!).toString('latin1')).not.toContain('Marienplatz');

    await sendCarrierWebhook(stack.app, booked.shipment!, 'picked_up');
    await waitForStatus(stack.app, orderId, 'shipped');
    const late = await edit(orderId, { shippingAddress: { ...newAddress, line1: 'Marienplatz 9' } });
    expect(late.statusCode).toBe(409);
    expect(late.json().detail).toContain('its address can no longer change');
  });

  it('rejects an address nobody can deliver to, and bodies with nothing to change', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id as string;
    await waitForStatus(stack.app, orderId, 'awaiting_payment');
    const undeliverable = await edit(orderId, { shippingAddress: { ...newAddress, postalCode: '8033' } });
    expect(undeliverable.statusCode).toBe(422);
    expect(undeliverable.json().detail).toContain('shippingAddress.postalCode is not a valid DE postal code');
    const empty = await edit(orderId, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors).toEqual([{ path: 'lines', message: 'give shippingAddress, lines or both' }]);
    const badLine = await edit(orderId, { lines: [{ sku, quantity: 0 }] });
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().errors[0]).toMatchObject({ path: 'lines[0].quantity' });
    expect((await getOrder(stack.app, orderId)).revision).toBe(0);
    expect((await requests(orderId)).map((r) => r.outcome)).toEqual(['rejected']);
  });

  it('refunds the difference when a paid order gets cheaper, once per Idempotency-Key', async () => {
    const { sku, orderId, order } = await paidOrderAwaitingReview();
    const headers = { 'idempotency-key': `edit-${orderId}` };
    const first = await edit(orderId, { lines: [{ sku, quantity: 10 }] }, headers);
    expect(first.statusCode, first.body).toBe(200);
    const again = await edit(orderId, { lines: [{ sku, quantity: 10 }] }, headers);
    expect(again.json()).toEqual(first.json());

    const { total, settlement } = first.json();
    expect(settlement).toEqual({ kind: 'refunded', amount: order.pricing.total - total });
    expect(await requests(orderId)).toEqual([
      expect.objectContaining({
        action: 'edit',
        outcome: 'accepted',
        answer: expect.objectContaining({ revision: 1, settlement }),
      }),
    ]);
    const after = await getOrder(stack.app, orderId);
    expect(after.revision).toBe(1);
    expect(after.payment).toMatchObject({
      amountPaid: order.pricing.total,
      amountRefunded: order.pricing.total - total,
      amountDue: 0,
    });
    const refunds = await stack.db
      .select()
      .from(payments)
      .where(and(eq(payments.orderId, orderId), eq(payments.kind, 'refund')));
    expect(refunds.map((r) => r.amount)).toEqual([order.pricing.total - total]);
    expect(await reserved(sku)).toBe(10);

    await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'mia@merchant' },
    });
    await waitForStatus(stack.app, orderId, 'ready_to_ship');
  });

  it('asks for the extra amount when a paid order gets dearer, and goes on once it is paid', async () => {
    const { sku, orderId, order } = await paidOrderAwaitingReview();
    const response = await edit(orderId, { lines: [{ sku, quantity: 30 }] });
    expect(response.statusCode, response.body).toBe(200);
    const { total, settlement } = response.json();
    expect(settlement).toMatchObject({ kind: 'extra_payment_requested', amount: total - order.pricing.total });
    expect(settlement.intentId).not.toBe(order.payment.intentId);
    expect((await getOrder(stack.app, orderId)).payment.amountDue).toBe(settlement.amount);

    // Confirmed by a person, but nothing ships before the extra money is in; lines are frozen meanwhile.
    await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'mia@merchant' },
    });
    await expect
      .poll(async () => (await edit(orderId, { lines: [{ sku, quantity: 25 }] })).json().detail)
      .toContain('extra payment');
    expect((await getOrder(stack.app, orderId)).status).toBe('awaiting_confirmation');

    const extra = {
      ...order,
      payment: { ...order.payment, intentId: settlement.intentId },
      pricing: { ...order.pricing, total: settlement.amount },
    };
    expect((await sendPaymentWebhook(stack.app, extra)).statusCode).toBe(202);
    const shipped = await waitForStatus(stack.app, orderId, 'ready_to_ship');
    expect(shipped.payment).toMatchObject({ amountPaid: total, amountRefunded: 0, amountDue: 0 });
    expect((await timeline(orderId)).map((entry) => entry.name)).toContain('extra_payment_captured');
  });

  it('cancels and refunds everything when the extra payment never comes', async () => {
    const { sku, orderId, order } = await paidOrderAwaitingReview();
    const { settlement } = (await edit(orderId, { lines: [{ sku, quantity: 25 }] })).json();
    await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/confirm`,
      headers: asSupport,
      payload: { confirmedBy: 'mia@merchant' },
    });
    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled', 20_000);
    expect((await timeline(orderId)).at(-1)).toMatchObject({
      name: 'order_cancelled',
      reason: 'extra_payment_timeout',
    });
    expect(cancelled.payment).toMatchObject({
      amountPaid: order.pricing.total,
      amountRefunded: order.pricing.total,
      amountDue: 0,
    });
    expect(settlement.kind).toBe('extra_payment_requested');
    expect(await reserved(sku)).toBe(0);
  });
});
