import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, orders } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asService, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sku: string;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  sku = await createProduct(stack.db, { priceMinor: 1_250, lots: [{ onHand: 100 }] });
});
afterAll(() => stack.close());

describe('POST /v1/orders', () => {
  it('records the order, prices it on the server and starts its workflow', async () => {
    const response = await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }]));
    expect(response.statusCode).toBe(201);
    const order = response.json();
    expect(response.headers.location).toBe(`/v1/orders/${order.id}`);
    expect(order).toMatchObject({ status: 'received', type: 'regular', channel: 'web' });
    expect(order.lines).toEqual([expect.objectContaining({ sku, quantity: 2, unitPrice: 1_250 })]);
    expect(order.pricing).toMatchObject({ subtotal: 2_500, currency: 'EUR' });
    const { pricing } = order;
    const discounts = pricing.discounts.reduce((sum: number, d: { amount: number }) => sum + d.amount, 0);
    expect(pricing.subtotal - discounts + pricing.shipping + pricing.tax).toBe(pricing.total);

    const awaiting = await waitForStatus(stack.app, order.id, 'awaiting_payment');
    expect(awaiting.payment).toMatchObject({ status: 'pending', amountPaid: 0 });
    expect(awaiting.payment.intentId).toMatch(/^pi_sbx_/);
    expect(awaiting.lines[0]!.allocation).toEqual([
      expect.objectContaining({ quantity: 2, status: 'reserved', warehouseId: 'WH-BER' }),
    ]);
    expect(awaiting.milestones.map((m) => m.name)).toEqual(['order_received', 'order_verified', 'stock_reserved']);
    expect(awaiting.allowedActions).toEqual(['pay', 'edit', 'cancel']);

    const description = await stack.client.workflow.getHandle(orderWorkflowId(order.id)).describe();
    expect(description.taskQueue).toBe(stack.taskQueue);
  });

  it('refuses unknown fields, bad quantities and client-sent prices with a 400 problem naming each field', async () => {
    const body = { ...orderRequest([{ sku, quantity: 0 }]), discount: 5 } as Record<string, unknown>;
    (body.lines as Array<Record<string, unknown>>).push({ sku, quantity: 1.5, unitPrice: 1 });
    const response = await postOrder(stack.app, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ type: '/problems/validation-error', status: 400, title: 'Invalid request' });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'discount', message: 'is not a known field' },
        { path: 'lines[0].quantity', message: 'must be at least 1' },
        { path: 'lines[1].quantity', message: 'must be a whole number' },
        { path: 'lines[1].unitPrice', message: 'is not a known field' },
      ]),
    );
  });

  it('answers malformed JSON and wrong media types with problems, never 500', async () => {
    const malformed = await stack.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...asService, 'content-type': 'application/json' },
      payload: '{"channel":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ status: 400 });
    const text = await stack.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...asService, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses unknown SKUs, made-to-order products on regular orders, unknown coupons and too many points with 422', async () => {
    const madeToOrder = await createProduct(stack.db, { lots: [], madeToOrder: true });
    const response = await postOrder(
      stack.app,
      orderRequest(
        [
          { sku: 'NOPE-404', quantity: 1 },
          { sku: madeToOrder, quantity: 1 },
        ],
        { couponCode: 'BOGUS' },
      ),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([
      { path: 'lines[0].sku', message: 'is not in the catalog' },
      { path: 'lines[1].sku', message: 'is made to order: place it as a custom or urgent order' },
    ]);

    const coupon = await postOrder(
      stack.app,
      orderRequest([{ sku, quantity: 1 }], { couponCode: 'BOGUS', pointsToRedeem: 10 }),
    );
    expect(coupon.statusCode).toBe(422);
    expect(coupon.json().errors).toEqual([
      { path: 'couponCode', message: 'is not a valid coupon' },
      {
        path: 'pointsToRedeem',
        message: 'needs customer.id: only a member the calling service identifies can redeem points',
      },
    ]);
  });

  it('needs an API key of a role that may place orders', async () => {
    const anonymous = await stack.app.inject({
      method: 'POST',
      url: '/v1/orders',
      payload: orderRequest([{ sku, quantity: 1 }]),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ type: '/problems/unauthorized' });
    const wrong = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]), {
      authorization: 'Bearer not-a-key',
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('honours Idempotency-Key: same body gives the same order, a different body is 422', async () => {
    const key = `idem-${uniqueTag()}`;
    const body = orderRequest([{ sku, quantity: 1 }]);
    const first = await postOrder(stack.app, body, { 'idempotency-key': key });
    const again = await postOrder(stack.app, body, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);

    const changed = await postOrder(stack.app, { ...body, lines: [{ sku, quantity: 3 }] }, { 'idempotency-key': key });
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ type: '/problems/idempotency-key-reused' });
    expect(await stack.db.select().from(orders).where(eq(orders.idempotencyKey, key))).toHaveLength(1);
  });

  it('never turns one marketplace order into two, even when both copies arrive at once', async () => {
    const body = orderRequest([{ sku, quantity: 1 }], { channel: 'marketplace', externalId: `MKT-${uniqueTag()}` });
    const responses = await Promise.all([
      postOrder(stack.app, body),
      postOrder(stack.app, body),
      postOrder(stack.app, body),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 201]);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);

    const different = await postOrder(stack.app, { ...body, lines: [{ sku, quantity: 2 }] });
    expect(different.statusCode).toBe(409);
    expect(different.json()).toMatchObject({
      type: '/problems/external-order-exists',
      orderId: responses[0]!.json().id,
    });

    const missingExternalId = await postOrder(
      stack.app,
      orderRequest([{ sku, quantity: 1 }], { channel: 'marketplace' }),
    );
    expect(missingExternalId.statusCode).toBe(400);
    expect(missingExternalId.json().errors).toEqual([
      { path: 'externalId', message: 'required for marketplace orders' },
    ]);
  });

  it('applies the member discount and points of a customer the service identifies by id', async () => {
    const email = `member-${uniqueTag().toLowerCase()}@example.com`;
    const id = `cus_${uniqueTag()}`;
    await stack.db
      .insert(customers)
      .values({ id, name: 'Gold Member', email, phone: '+49 30 7654321', memberLevel: 'gold', points: 500 });
    const response = await postOrder(
      stack.app,
      orderRequest([{ sku, quantity: 4 }], {
        customer: { id, name: 'Gold Member', email: email.toUpperCase(), phone: '+49 30 7654321' },
        pointsToRedeem: 300,
      }),
    );
    expect(response.statusCode).toBe(201);
    const { pricing, customerId } = response.json();
    expect(pricing.discounts).toEqual([
      { kind: 'member', label: 'gold member 5%', amount: 250 },
      { kind: 'points', label: '300 loyalty points', amount: 300 },
    ]);
    const [customer] = await stack.db.select().from(customers).where(eq(customers.id, customerId));
    expect(customer!.points).toBe(200);
  });

  it('returns 404 problems for unknown orders and routes', async () => {
    const missing = await stack.app.inject({
      method: 'GET',
      url: '/v1/orders/ord_01ARZ3NDEKTSV4RRFFQ69G5FAV',
      headers: asService,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ type: '/problems/order-not-found' });
    const badId = await stack.app.inject({ method: 'GET', url: '/v1/orders/42', headers: asService });
    expect(badId.statusCode).toBe(400);
    const noRoute = await stack.app.inject({ method: 'GET', url: '/v1/nothing', headers: asService });
    expect(noRoute.statusCode).toBe(404);
  });
});
