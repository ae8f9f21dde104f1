import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../ports/webhook-signature.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asService, asSupport, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // The sandbox payment provider stays quiet here: a webhook an earlier file left due would add a row to the tables counted.
  stack = await startTestStack({ SANDBOX_WEBHOOK_SEND_EVERY: '1h' });
  await stack.startWorker();
});
afterAll(() => stack.close());

/** Rows in the tables a request could have written to. */
async function rowCounts() {
  const [row] = await stack.db.execute<Record<string, number>>(sql`
    select (select count(*) from orders)::int as orders, (select count(*) from customers)::int as customers,
           (select count(*) from webhook_events)::int as webhook_events, (select count(*) from support_requests)::int as support_requests`);
  return row;
}

function expectHostileTextProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  path: string,
  message: RegExp,
) {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json() as { type: string; errors: Array<{ path: string; message: string }> };
  expect(problem.type).toBe('/problems/validation-error');
  expect(problem.errors).toContainEqual({ path, message: expect.stringMatching(message) });
}

describe('hostile text at the edge', () => {
  it('refuses NUL bytes, lone surrogates and control characters anywhere in an order body, naming the field, and records nothing', async () => {
    const before = await rowCounts();
    const base = orderRequest([{ sku: 'TEA-001', quantity: 1 }]);
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...base, customer: { ...base.customer, name: 'Eve\u0000Mallory' } }, 'customer.name', /NUL/],
      [
        { ...base, shippingAddress: { ...base.shippingAddress, city: 'Berlin\ud800' } },
        'shippingAddress.city',
        /unpaired/,
      ],
      [{ ...base, notes: 'ring twice\u001b[31m' }, 'notes', /U\+001B/],
      [
        { ...base, lines: [{ sku: 'TEA-001', quantity: 1, customization: { 'engra\u0007ving': 'Hi' } }] },
        'lines[0].customization',
        /field name .*U\+0007/,
      ],
      [
        { ...base, lines: [{ sku: 'TEA-001', quantity: 1, customization: { engraving: 'Hi\u0085there' } }] },
        'lines[0].customization.engraving',
        /U\+0085/,
      ],
    ];
    for (const [body, path, message] of cases)
      expectHostileTextProblem(await postOrder(stack.app, body), path, message);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses them in query strings, path parameters and the Idempotency-Key header', async () => {
    expectHostileTextProblem(
      await stack.app.inject({ method: 'GET', url: '/v1/orders?customerId=cus%00x', headers: asSupport }),
      'customerId',
      /NUL/,
    );
    expectHostileTextProblem(
      await stack.app.inject({ method: 'GET', url: '/v1/products?category=tea%0A', headers: asService }),
      'category',
      /U\+000A/,
    );
    expectHostileTextProblem(
      await stack.app.inject({ method: 'GET', url: '/v1/orders/ord_%00', headers: asSupport }),
      'id',
      /NUL/,
    );
    const order = orderRequest([{ sku: 'TEA-001', quantity: 1 }]);
    expectHostileTextProblem(
      await postOrder(stack.app, order, { 'idempotency-key': 'key-\u0001-1234567' }),
      'idempotency-key',
      /U\+0001/,
    );
  });

  it('refuses them in signed and unsigned webhook bodies, which record nothing', async () => {
    const before = await rowCounts();
    const body = JSON.stringify({
      id: `evt_${uniqueTag()}`,
      type: 'payment.failed',
      orderId: 'ord_01J00000000000000000000000',
      paymentIntentId: 'pi_x',
      transactionId: `txn_${uniqueTag()}`,
      amount: 100,
      currency: 'EUR',
      occurredAt: new Date().toISOString(),
      failureReason: 'card declined\u0000',
    });
    const signed = await stack.app.inject({
      method: 'POST',
      url: '/v1/webhooks/payments',
      headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, 'dev-webhook-secret') },
      payload: body,
    });
    expectHostileTextProblem(signed, 'failureReason', /NUL/);
    const carrier = JSON.stringify({
      id: `trk_${uniqueTag()}`,
      carrier: 'dhl\ud83d',
      trackingNumber: 'X1',
      type: 'delivered',
      occurredAt: new Date().toISOString(),
    });
    expectHostileTextProblem(
      await stack.app.inject({
        method: 'POST',
        url: '/v1/webhooks/carriers',
        headers: { 'content-type': 'application/json' },
        payload: carrier,
      }),
      'carrier',
      /unpaired/,
    );
    expect(await rowCounts()).toEqual(before);
  });

  it('a cancel whose reason holds a NUL is refused before it reaches the order, which can still be cancelled', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
    expect(placed.statusCode).toBe(201);
    const orderId = placed.json().id as string;
    await waitForStatus(stack.app, orderId, 'awaiting_payment');

    const cancel = (reason: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/orders/${orderId}/cancel`,
        headers: asSupport,
        payload: { reason, requestedBy: 'sam@support' },
      });
    expectHostileTextProblem(await cancel('fraud\u0000'), 'reason', /NUL/);
    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })
    ).json();
    expect(timeline.requests).toEqual([]);

    // Free text may hold tabs and line breaks.
    const cancelled = await cancel('customer called:\n\tno longer needed');
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      reason: 'customer called:\n\tno longer needed',
      undone: ['stock_released'],
    });
  });
});
