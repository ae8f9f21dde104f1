import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
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

  it('reports not ready, without crashing, when Temporal is unreachable', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const app = await buildApp({ config: loadConfig({}), db: stack.db, temporal: new Client({ connection }) });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ postgres: 'ok', temporal: 'unavailable' });
    await app.close();
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const spec = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{id}', '/v1/orders/{id}/timeline', '/v1/webhooks/payments', '/health', '/ready']));
    const body = spec.paths['/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['channel', 'type', 'customer', 'shippingAddress', 'lines', 'paymentMethod']));
    expect((await stack.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
