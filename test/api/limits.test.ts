import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asAdmin, asInventory, asMarketplace, asService, asSupport, postOrder } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

// A dedicated app with a low rate limit, and one with a low cap on unpaid orders (no worker: orders stay open).
let limited: TestStack;
let capped: TestStack;

beforeAll(async () => {
  [limited, capped] = await Promise.all([
    startTestStack({ RATE_LIMIT_PER_MINUTE: '5' }),
    startTestStack({ MAX_OPEN_UNPAID_ORDERS_PER_CUSTOMER: '2' }),
  ]);
});
afterAll(async () => {
  await Promise.all([limited.close(), capped.close()]);
});

describe('rate limits', () => {
  it('gives each API key its own budget a minute; over it, a 429 problem with Retry-After', async () => {
    const products = (headers: Record<string, string>) =>
      limited.app.inject({ method: 'GET', url: '/v1/products', headers });
    for (let i = 0; i < 5; i++) expect((await products(asService)).statusCode).toBe(200);
    const over = await products(asService);
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(over.json()).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Another key is not held back by the first one; probes never are.
    expect((await products(asMarketplace)).statusCode).toBe(200);
    expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('limits callers without a known key by address', async () => {
    const anonymous = (authorization?: string) =>
      limited.app.inject({
        method: 'GET',
        url: '/v1/orders',
        remoteAddress: '203.0.113.7',
        headers: authorization ? { authorization } : {},
      });
    const answers = [
      await anonymous(),
      await anonymous('Bearer guessed-key-1'),
      await anonymous('Bearer guessed-key-2'),
      await anonymous(),
      await anonymous(),
    ].map((r) => r.statusCode);
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    expect((await anonymous('Bearer guessed-key-3')).statusCode).toBe(429);
  });
});

describe('open unpaid orders per customer', () => {
  it('refuses a customer’s next order while the cap of unpaid ones is open, with a clear problem', async () => {
    const sku = await createProduct(capped.db, { lots: [{ onHand: 100 }] });
    const customer = {
      name: 'Hoarder',
      email: `hoarder-${uniqueTag().toLowerCase()}@example.com`,
      phone: '+49 30 1234567',
    };
    const place = () => postOrder(capped.app, orderRequest([{ sku, quantity: 1 }], { customer }));
    expect([(await place()).statusCode, (await place()).statusCode]).toEqual([201, 201]);
    const third = await place();
    expect(third.statusCode).toBe(422);
    expect(third.json()).toMatchObject({
      type: '/problems/too-many-open-orders',
      errors: [{ path: 'customer', message: 'has 2 open unpaid orders, the most allowed' }],
    });

    // Another customer is not affected; concurrent placements cannot slip past the cap together.
    const other = { ...customer, email: `other-${uniqueTag().toLowerCase()}@example.com` };
    const burst = await Promise.all(
      [1, 2, 3, 4].map(() => postOrder(capped.app, orderRequest([{ sku, quantity: 1 }], { customer: other }))),
    );
    expect(burst.map((r) => r.statusCode).sort()).toEqual([201, 201, 422, 422]);
  });
});

describe('function-level permissions', () => {
  it('keeps /metrics behind a support or admin key', async () => {
    expect((await capped.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await capped.app.inject({ method: 'GET', url: '/metrics', headers: asService })).statusCode).toBe(403);
    for (const headers of [asSupport, asAdmin])
      expect((await capped.app.inject({ method: 'GET', url: '/metrics', headers })).statusCode).toBe(200);
  });

  it('takes stock receipts only from an inventory or admin key', async () => {
    const sku = await createProduct(capped.db, { lots: [] });
    const receive = (headers: Record<string, string>) =>
      capped.app.inject({
        method: 'POST',
        url: '/v1/inventory/receipts',
        headers,
        payload: { sku, warehouseId: 'WH-BER', quantity: 5, lotCode: `RCV-${uniqueTag()}` },
      });
    for (const headers of [asService, asSupport]) {
      const refused = await receive(headers);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ type: '/problems/forbidden' });
    }
    expect((await receive(asInventory)).statusCode).toBe(201);
    expect((await receive(asAdmin)).statusCode).toBe(201);
  });
});
