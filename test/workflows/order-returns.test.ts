import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockLots } from '../../db/schema.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asService, getOrder, payInFull, postOrder, sendCarrierWebhook, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    POLICY_RETURN_WINDOW: '6s',
    POLICY_SURVEY_WINDOW: '1s',
    POLICY_DELIVERY_GRACE: '1h',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
});
afterAll(() => stack.close());

const requestReturn = (orderId: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/returns`,
    headers: asService,
    payload: { reason: 'arrived damaged', requestedBy: 'returns-portal' },
  });

async function delivered(quantity: number) {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 10 }] });
  const orderId = (await postOrder(stack.app, orderRequest([{ sku, quantity }]))).json().id as string;
  await payInFull(stack.app, orderId);
  const ready = await waitForStatus(stack.app, orderId, 'ready_to_ship');
  await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up');
  await sendCarrierWebhook(stack.app, ready.shipment!, 'delivered');
  return { sku, orderId, order: await waitForStatus(stack.app, orderId, 'delivered') };
}

describe('requestReturn', () => {
  it('refunds, credits the invoice and puts the goods back as a new lot, once', async () => {
    const { sku, orderId, order } = await delivered(2);
    expect(order.allowedActions).toEqual(['feedback', 'return']);
    const response = await requestReturn(orderId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      orderId,
      status: 'returned',
      reason: 'arrived damaged',
      undone: ['payment_refunded', 'invoice_credited'],
      refunded: order.pricing.total,
    });
    expect(response.json().creditNote).toMatch(/^CN-/);

    const returned = await getOrder(stack.app, orderId);
    expect(returned).toMatchObject({
      status: 'returned',
      payment: { status: 'refunded', amountRefunded: order.pricing.total },
    });
    const lots = await stack.db
      .select()
      .from(stockLots)
      .where(and(eq(stockLots.sku, sku), like(stockLots.lotCode, 'RET-%')));
    expect(lots.map((lot) => [lot.onHand, lot.reserved])).toEqual([[2, 0]]);

    const again = await requestReturn(orderId);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(response.json());
  });

  it('refuses before delivery and after the return window', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const early = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id;
    await waitForStatus(stack.app, early, 'awaiting_payment');
    const before = await requestReturn(early);
    expect(before.statusCode).toBe(409);
    expect(before.json().detail).toMatch(/only delivered orders/);

    const { orderId } = await delivered(1);
    await waitForStatus(stack.app, orderId, 'completed', 20_000);
    const late = await requestReturn(orderId);
    expect(late.statusCode).toBe(409);
    expect(late.json().detail).toMatch(/return window has closed/);
  });
});
