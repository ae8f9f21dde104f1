import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createDatabase } from '../../db/client.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asSupport, getOrder, postOrder, sendPaymentWebhook } from '../support/http.js';
import { holdLock } from '../support/held-lock.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // No worker yet: the orders' workflows are started but nobody runs them, as when every worker is down.
  stack = await startTestStack({ API_REQUEST_TIMEOUT: '2s', API_DB_STATEMENT_TIMEOUT: '1s' });
});
afterAll(async () => {
  await stack.close();
});

/** Holds an exclusive lock on the orders table, as a stalled database would, until the returned release is called. */
async function stallOrders() {
  const lock = await holdLock(stack.config.databaseUrl!, 'lock table orders in access exclusive mode');
  return () => lock.release();
}

async function timed<T>(request: () => Promise<T>): Promise<{ response: T; ms: number }> {
  const started = Date.now();
  const response = await request();
  return { response, ms: Date.now() - started };
}

async function placeOrder() {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  expect(placed.statusCode).toBe(201);
  return placed.json().id as string;
}

describe('every call from the API has a deadline', () => {
  it('with the orders table stalled, listing orders and a payment webhook get a 503 problem with Retry-After within seconds', async () => {
    const order = await getOrder(stack.app, await placeOrder());
    const release = await stallOrders();
    try {
      const list = await timed(() => stack.app.inject({ method: 'GET', url: '/v1/orders', headers: asSupport }));
      // No worker ran the order yet, so it has no payment intent: the provider's id stands in.
      const webhook = await timed(() => sendPaymentWebhook(stack.app, order, { paymentIntentId: 'pi_sbx_pending' }));
      for (const { response, ms } of [list, webhook]) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.json()).toMatchObject({ type: '/problems/database-unavailable', status: 503 });
        expect(ms).toBeLessThan(5_000);
      }
    } finally {
      await release();
    }
    expect((await stack.app.inject({ method: 'GET', url: '/v1/orders', headers: asSupport })).statusCode).toBe(200);
  });

  it('without a statement timeout, the request deadline still answers a stalled database with a 504 problem', async () => {
    const unbounded = createDatabase(stack.config.databaseUrl!);
    const app = await buildApp({
      config: { ...stack.config, api: { ...stack.config.api, requestTimeoutMs: 1_000 } },
      db: unbounded.db,
      temporal: stack.client,
    });
    const release = await stallOrders();
    try {
      const { response, ms } = await timed(() => app.inject({ method: 'GET', url: '/v1/orders', headers: asSupport }));
      expect(response.statusCode).toBe(504);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({ type: '/problems/request-timeout', status: 504 });
      expect(ms).toBeLessThan(5_000);
    } finally {
      await release();
      await app.close();
      await unbounded.close();
    }
  });

  it('a support request the workflow cannot answer in time is a 504 problem; retried with the same key once workers are back, it gets the answer', async () => {
    const orderId = await placeOrder();
    const key = `cancel-${randomUUID()}`;
    const cancel = () =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/orders/${orderId}/cancel`,
        headers: { ...asSupport, 'idempotency-key': key },
        payload: { reason: 'customer called', requestedBy: 'sam@support' },
      });

    const { response, ms } = await timed(cancel);
    expect(response.statusCode).toBe(504);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ type: '/problems/orchestrator-timeout', status: 504 });
    expect(ms).toBeLessThan(6_000);

    await stack.startWorker();
    const deadline = Date.now() + 40_000;
    let answer = await cancel();
    while (answer.statusCode === 504 && Date.now() < deadline) answer = await cancel();
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ orderId, status: 'cancelled', reason: 'customer called' });
    const order = await getOrder(stack.app, orderId);
    expect(order.status).toBe('cancelled');
    expect(order.milestones.filter((m) => m.name === 'order_cancelled')).toHaveLength(1);
  }, 60_000);
});
