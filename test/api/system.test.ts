import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
import { createApiTemporalClient } from '../../temporal/connection.js';
import { orderRequest, uniqueTag } from '../support/fixtures.js';
import { postOrder, sendPaymentWebhook } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

describe('system routes', () => {
  it('is live and ready when Postgres and Temporal answer', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('serves Prometheus metrics: requests by route and status, orders by status', async () => {
    expect((await postOrder(stack.app, orderRequest([{ sku: 'TEA-001', quantity: 1 }]))).statusCode).toBe(201);
    await stack.app.inject({ method: 'GET', url: '/health' });
    await stack.app.inject({
      method: 'GET',
      url: '/v1/orders/ord_01J0000000000000000000000X',
      headers: { authorization: 'Bearer dev-support-key' },
    });
    expect((await stack.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect(
      (await stack.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer dev-service-key' } }))
        .statusCode,
    ).toBe(403);
    const response = await stack.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer dev-support-key' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/);
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/orders\/:id",status="404"\} [1-9]/,
    );
    expect(text).toMatch(/^orders\{status="received"\} [1-9]\d*$/m);
    expect(text).toMatch(/^orders_flagged_open \d+$/m);
    expect(text).toMatch(/^payments_unknown_order \d+$/m);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('reports not ready, without crashing, when Temporal is unreachable', async () => {
    const { client, connection } = createApiTemporalClient({
      ...loadConfig({ NODE_ENV: 'test' }).temporal,
      address: '127.0.0.1:1',
    });
    const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test' }), db: stack.db, temporal: client });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ postgres: 'ok', temporal: 'unavailable' });

    // Requests that need Temporal fail fast with a retryable 503 problem, never a 500 or a hang.
    const order = (await postOrder(stack.app, orderRequest([{ sku: 'TEA-001', quantity: 1 }]))).json();
    const started = Date.now();
    const webhook = await sendPaymentWebhook(app, order, {
      id: `evt_${uniqueTag()}`,
      paymentIntentId: 'pi_sbx_unknown',
    });
    expect(webhook.statusCode).toBe(503);
    expect(webhook.headers['retry-after']).toBe('5');
    expect(webhook.json()).toMatchObject({ type: '/problems/orchestrator-unavailable' });
    expect(Date.now() - started).toBeLessThan(15_000);
    await app.close();
    await connection.close();
  }, 30_000);

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const spec = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orders',
        '/v1/orders/{id}',
        '/v1/orders/{id}/timeline',
        '/v1/webhooks/payments',
        '/health',
        '/ready',
      ]),
    );
    const body = spec.paths['/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(
      expect.arrayContaining(['channel', 'type', 'customer', 'shippingAddress', 'lines', 'paymentMethod']),
    );
    expect((await stack.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
