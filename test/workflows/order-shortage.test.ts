import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import type { OrderResource } from '../../api/orders/order-resource.js';
import { asInventory, asSupport, getOrder, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_SHORTAGE_DECISION_TIMEOUT: '4s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const decide = (orderId: string, decision: string, extra: Record<string, unknown> = {}) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/shortage-resolution`,
    headers: asSupport,
    payload: { decision, requestedBy: 'sam@support', ...extra },
  });

const receive = (sku: string, quantity: number) =>
  stack.app.inject({
    method: 'POST',
    url: '/v1/inventory/receipts',
    headers: asInventory,
    payload: { sku, warehouseId: 'WH-BER', quantity, lotCode: `RCV-${uniqueTag()}` },
  });

const units = (order: OrderResource, sku: string) =>
  order.lines
    .filter((line) => line.sku === sku)
    .reduce((sum, line) => sum + line.allocation.reduce((held, a) => held + a.quantity, 0), 0);

async function shortOrder() {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
  const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 3 }]))).json().id as string;
  const order = await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');
  return { sku, orderId, order };
}

describe('stock shortage', () => {
  it('tells the customer, back-orders on request, and goes on when stock arrives', async () => {
    const { sku, orderId, order } = await shortOrder();
    expect(order.allowedActions).toEqual(['resolve_shortage', 'edit', 'cancel']);
    await expect
      .poll(async () =>
        (
          await stack.db
            .select()
            .from(notifications)
            .where(eq(notifications.orderId, orderId))
            .orderBy(asc(notifications.id))
        ).map((n) => n.template),
      )
      .toEqual(['stock_shortage']);

    expect((await decide(orderId, 'wait_restock')).json()).toEqual({ orderId, decision: 'wait_restock' });
    const lotCode = `RCV-${uniqueTag()}`;
    const receipt = await stack.app.inject({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: asInventory,
      payload: { sku, warehouseId: 'WH-BER', quantity: 5, lotCode },
    });
    expect(receipt.statusCode).toBe(201);
    expect(receipt.json()).toEqual({ lotCode, created: true, ordersNotified: [orderId] });

    const reserved = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(reserved.lines[0]!.allocation.reduce((sum, a) => sum + a.quantity, 0)).toBe(3);
    expect(reserved.milestones.map((m) => m.name)).toEqual([
      'order_received',
      'order_verified',
      'stock_short',
      'stock_reserved',
    ]);
    const again = await stack.app.inject({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: asInventory,
      payload: { sku, warehouseId: 'WH-BER', quantity: 5, lotCode },
    });
    expect(again.json()).toMatchObject({ created: false, ordersNotified: [] });
  });

  it('cancels on request, and refuses a second decision', async () => {
    const { orderId } = await shortOrder();
    expect(
      (await decide(orderId, 'wait_restock', { substitutes: [{ sku: 'X-1', substituteSku: 'X-2' }] })).statusCode,
    ).toBe(400);
    expect((await decide(orderId, 'cancel')).statusCode).toBe(200);
    await waitForStatus(stack.app, orderId, 'cancelled');
    expect((await decide(orderId, 'cancel')).statusCode).toBe(409);
  });

  it('applies the policy default (cancel) when nobody decides in time', async () => {
    const { orderId } = await shortOrder();
    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled', 15_000);
    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })
    ).json();
    expect(timeline.entries.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'shortage_undecided' });
    expect(cancelled.status).toBe('cancelled');
    expect((await getOrder(stack.app, orderId)).lines[0]!.allocation).toEqual([]);
  });

  it('ships what is in stock and back-orders the rest as an order of its own, without a second shipping fee', async () => {
    const shortSku = await createProduct(stack.db, { priceMinor: 2_000, lots: [{ onHand: 1 }] });
    const fineSku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 5 }] });
    const orderId = (
      await postOrder(
        stack.app,
        orderRequest([
          { sku: shortSku, quantity: 3 },
          { sku: fineSku, quantity: 1 },
        ]),
      )
    ).json().id as string;
    const before = await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');

    const response = await decide(orderId, 'partial_ship');
    expect(response.statusCode, response.body).toBe(200);
    const { backorderId, total } = response.json();
    expect(backorderId).toMatch(/^ord_/);
    expect(total).toBeLessThan(before.pricing.total);

    const parent = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(parent.lines.map((line) => [line.sku, line.quantity])).toEqual([
      [shortSku, 1],
      [fineSku, 1],
    ]);
    expect([units(parent, shortSku), units(parent, fineSku)]).toEqual([1, 1]);
    expect(parent.pricing.total).toBe(total);
    expect(parent.backorderId).toBe(backorderId);

    const backorder = await waitForStatus(stack.app, backorderId, 'awaiting_shortage_decision');
    expect(backorder).toMatchObject({ backorderOf: orderId, customerId: parent.customerId, type: 'regular' });
    expect(backorder.lines.map((line) => [line.sku, line.quantity])).toEqual([[shortSku, 2]]);
    expect(backorder.pricing.shipping).toBe(0);

    // Stock arrives: the back-order reserves and asks for its own payment.
    expect((await receive(shortSku, 4)).json().ordersNotified).toEqual([backorderId]);
    const restocked = await waitForStatus(stack.app, backorderId, 'awaiting_payment');
    expect(units(restocked, shortSku)).toBe(2);
    const names = (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport }))
      .json()
      .entries.map((e: { name: string }) => e.name);
    expect(names).toContain('order_split');
    await expect
      .poll(async () =>
        (
          await stack.db
            .select()
            .from(notifications)
            .where(eq(notifications.orderId, orderId))
            .orderBy(asc(notifications.id))
        ).map((n) => n.template),
      )
      .toEqual(['stock_shortage', 'order_split']);
  });

  it('refuses a partial shipment when nothing is in stock', async () => {
    const sku = await createProduct(stack.db, { lots: [] });
    const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }]))).json().id as string;
    await waitForStatus(stack.app, orderId, 'awaiting_shortage_decision');
    const response = await decide(orderId, 'partial_ship');
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain('nothing on this order is in stock');
    expect((await decide(orderId, 'cancel')).statusCode).toBe(200);
  });

  it('substitutes short products at their own price, and refuses substitutes it cannot use', async () => {
    const { sku, orderId, order } = await shortOrder();
    const substitute = await createProduct(stack.db, { priceMinor: 1_200, lots: [{ onHand: 10 }] });
    const notShort = await decide(orderId, 'substitute', { substitutes: [{ sku: substitute, substituteSku: sku }] });
    expect(notShort.statusCode).toBe(422);
    expect(notShort.json().detail).toContain('is not short on this order');
    const unknown = await decide(orderId, 'substitute', { substitutes: [{ sku, substituteSku: 'NO-SUCH-SKU' }] });
    expect(unknown.statusCode).toBe(409);
    expect(unknown.json().detail).toContain('is not in the catalog');

    const response = await decide(orderId, 'substitute', { substitutes: [{ sku, substituteSku: substitute }] });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ orderId, decision: 'substitute', backorderId: null });
    const reserved = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(reserved.lines.map((line) => [line.sku, line.quantity, line.unitPrice])).toEqual([[substitute, 3, 1_200]]);
    expect(units(reserved, substitute)).toBe(3);
    expect(reserved.pricing.subtotal).toBe(3 * 1_200);
    expect(reserved.pricing.total).toBe(response.json().total);
    expect(reserved.pricing.total).not.toBe(order.pricing.total);
  });

  it('goes on without a decision when an edit makes the order fit the stock', async () => {
    const { sku, orderId } = await shortOrder();
    const edited = await stack.app.inject({
      method: 'PATCH',
      url: `/v1/orders/${orderId}`,
      headers: asSupport,
      payload: { requestedBy: 'sam@support', lines: [{ sku, quantity: 1 }] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().settlement).toEqual({ kind: 'amount_due_changed', amountDue: edited.json().total });
    const reserved = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(units(reserved, sku)).toBe(1);
    expect((await decide(orderId, 'partial_ship')).statusCode).toBe(409);
  });
});
