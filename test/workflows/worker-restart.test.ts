import { afterAll, beforeAll, expect, it } from 'vitest';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { getOrder, postOrder, sendPaymentWebhook, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_PAYMENT_TIMEOUT: '5m' });
});
afterAll(() => stack.close());

it('loses nothing when the worker dies while an order waits for payment', async () => {
  await stack.startWorker();
  const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }]));
  const order = await waitForStatus(stack.app, placed.json().id, 'awaiting_payment');

  await stack.stopWorker();
  // With no worker running, the API still takes the payment and still serves the order from Postgres.
  const webhook = await sendPaymentWebhook(stack.app, order);
  expect(webhook.statusCode).toBe(202);
  expect((await getOrder(stack.app, order.id)).status).toBe('awaiting_payment');
  const placedWhileDown = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  expect(placedWhileDown.statusCode).toBe(201);

  await stack.startWorker();
  const shipped = await waitForStatus(stack.app, order.id, 'ready_to_ship');
  expect(shipped.payment).toMatchObject({ status: 'captured', amountPaid: order.pricing.total });
  expect(shipped.milestones.map((m) => m.name)).toEqual([
    'order_received',
    'order_verified',
    'stock_reserved',
    'payment_captured',
    'order_confirmed',
    'shipment_booked',
  ]);
  await waitForStatus(stack.app, placedWhileDown.json().id, 'awaiting_payment');
});
