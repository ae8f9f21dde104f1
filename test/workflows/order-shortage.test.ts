import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asService, asSupport, getOrder, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_SHORTAGE_DECISION_TIMEOUT: '4s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const decide = (orderId: string, decision: string) =>
  stack.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/shortage-resolution`, headers: asSupport, payload: { decision, requestedBy: 'sam@support' } });

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
    await expect.poll(async () => (await stack.db.select().from(notifications).where(eq(notifications.orderId, orderId))).map((n) => n.template)).toEqual(['stock_shortage']);

    expect((await decide(orderId, 'wait_restock')).json()).toEqual({ orderId, decision: 'wait_restock' });
    const lotCode = `RCV-${uniqueTag()}`;
    const receipt = await stack.app.inject({ method: 'POST', url: '/v1/inventory/receipts', headers: asService, payload: { sku, warehouseId: 'WH-BER', quantity: 5, lotCode } });
    expect(receipt.statusCode).toBe(201);
    expect(receipt.json()).toEqual({ lotCode, created: true, ordersNotified: [orderId] });

    const reserved = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(reserved.lines[0]!.allocation.reduce((sum, a) => sum + a.quantity, 0)).toBe(3);
    expect(reserved.milestones.map((m) => m.name)).toEqual(['order_received', 'order_verified', 'stock_short', 'stock_reserved']);
    const again = await stack.app.inject({ method: 'POST', url: '/v1/inventory/receipts', headers: asService, payload: { sku, warehouseId: 'WH-BER', quantity: 5, lotCode } });
    expect(again.json()).toMatchObject({ created: false, ordersNotified: [] });
  });

  it('cancels on request, and refuses a second decision', async () => {
    const { orderId } = await shortOrder();
    expect((await decide(orderId, 'partial_ship')).statusCode).toBe(400);
    expect((await decide(orderId, 'cancel')).statusCode).toBe(200);
    await waitForStatus(stack.app, orderId, 'cancelled');
    expect((await decide(orderId, 'cancel')).statusCode).toBe(409);
  });

  it('applies the policy default (cancel) when nobody decides in time', async () => {
    const { orderId } = await shortOrder();
    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled', 15_000);
    const timeline = (await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })).json();
    expect(timeline.entries.at(-1)).toMatchObject({ name: 'order_cancelled', reason: 'shortage_undecided' });
    expect(cancelled.status).toBe('cancelled');
    expect((await getOrder(stack.app, orderId)).lines[0]!.allocation).toEqual([]);
  });
});
