import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, orders, supportRequests } from '../../db/schema.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asAdmin, asMarketplace, asService, asSupport, payInFull, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sku: string;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  sku = await createProduct(stack.db, { priceMinor: 2_000, lots: [{ onHand: 500 }] });
});
afterAll(() => stack.close());

const get = (url: string, headers: Record<string, string>) => stack.app.inject({ method: 'GET', url, headers });
const post = (url: string, headers: Record<string, string>, payload: object) =>
  stack.app.inject({ method: 'POST', url, headers, payload });

/** An order placed by the `service` key, waiting for payment. */
async function serviceOrder(overrides: Parameters<typeof orderRequest>[1] = {}) {
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], overrides));
  expect(placed.statusCode).toBe(201);
  return placed.json() as { id: string; customerId: string | null };
}

describe('object-level access: a service key sees and acts only on its own orders', () => {
  it('answers another service with the same 404 as for no order, for reading, the timeline and every action', async () => {
    const order = await serviceOrder();
    await waitForStatus(stack.app, order.id, 'awaiting_payment');
    const nothing = (await get('/v1/orders/ord_01ARZ3NDEKTSV4RRFFQ69G5FAV', asMarketplace)).json();

    const read = await get(`/v1/orders/${order.id}`, asMarketplace);
    expect(read.statusCode).toBe(404);
    expect(read.json()).toEqual({ ...nothing, detail: `There is no order ${order.id}.` });
    expect((await get(`/v1/orders/${order.id}/timeline`, asMarketplace)).statusCode).toBe(404);
    expect(
      (await post(`/v1/orders/${order.id}/cancel`, asMarketplace, { reason: 'not mine', requestedBy: 'mallory' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await post(`/v1/orders/${order.id}/returns`, asMarketplace, { reason: 'not mine', requestedBy: 'mallory' }))
        .statusCode,
    ).toBe(404);

    // Nothing happened to the order and nothing was asked of it.
    expect((await get(`/v1/orders/${order.id}`, asService)).json()).toMatchObject({ status: 'awaiting_payment' });
    expect(await stack.db.select().from(supportRequests).where(eq(supportRequests.orderId, order.id))).toEqual([]);

    // Its owner, support and admin see it.
    for (const headers of [asService, asSupport, asAdmin])
      expect((await get(`/v1/orders/${order.id}`, headers)).statusCode).toBe(200);
  });

  it('lists only the orders the calling key placed; support sees them all', async () => {
    const email = `lister-${uniqueTag().toLowerCase()}@example.com`;
    const customer = { name: 'Lister', email, phone: '+49 30 1234567' };
    const mine = await serviceOrder({ customer });
    const theirs = await post('/v1/orders', asMarketplace, orderRequest([{ sku, quantity: 1 }], { customer }));
    expect(theirs.statusCode).toBe(201);
    const customerId = (await get(`/v1/orders/${mine.id}`, asSupport)).json().customerId as string;
    const ids = async (headers: Record<string, string>) =>
      (await get(`/v1/orders?customerId=${customerId}`, headers)).json().items.map((item: { id: string }) => item.id);
    expect(await ids(asService)).toEqual([mine.id]);
    expect(await ids(asMarketplace)).toEqual([theirs.json().id]);
    expect(await ids(asSupport)).toEqual([theirs.json().id, mine.id]);
  });

  it('serves an invoice only to the owner of its order (and support)', async () => {
    const order = await serviceOrder();
    await payInFull(stack.app, order.id);
    const ready = await waitForStatus(stack.app, order.id, 'ready_to_ship');
    const url = `/v1/invoices/${ready.invoice!.number}`;
    expect((await get(url, asService)).statusCode).toBe(200);
    expect((await get(url, asSupport)).statusCode).toBe(200);
    const other = await get(url, asMarketplace);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ type: '/problems/invoice-not-found' });
  });

  it('shows orders from before key names (no owner) to support and admin only', async () => {
    const order = await serviceOrder();
    await stack.db.update(orders).set({ placedBy: null }).where(eq(orders.id, order.id));
    expect((await get(`/v1/orders/${order.id}`, asService)).statusCode).toBe(404);
    expect((await get(`/v1/orders/${order.id}`, asSupport)).statusCode).toBe(200);
  });

  it('does not tell one service which order holds an external id another service recorded', async () => {
    const body = orderRequest([{ sku, quantity: 1 }], { channel: 'marketplace', externalId: `MKT-${uniqueTag()}` });
    const first = await post('/v1/orders', asMarketplace, body);
    expect(first.statusCode).toBe(201);
    const again = await post('/v1/orders', asMarketplace, body);
    expect(again.json().id).toBe(first.json().id);
    const other = await postOrder(stack.app, body);
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ type: '/problems/external-order-exists' });
    expect(other.json().orderId).toBeUndefined();
    expect(other.body).not.toContain(first.json().id);
  });

  it('records the calling key as the actor; the body’s requestedBy is kept as a note', async () => {
    const order = await serviceOrder();
    await waitForStatus(stack.app, order.id, 'awaiting_payment');
    const cancelled = await post(`/v1/orders/${order.id}/cancel`, asService, {
      reason: 'customer asked',
      requestedBy: 'admin@pretend',
    });
    expect(cancelled.statusCode).toBe(200);
    const timeline = (await get(`/v1/orders/${order.id}/timeline`, asService)).json();
    expect(timeline.entries.find((entry: { name: string }) => entry.name === 'order_cancelled')).toMatchObject({
      actor: 'service',
      reason: 'customer asked',
    });
    expect(timeline.requests).toEqual([
      expect.objectContaining({
        action: 'cancel',
        actor: 'service',
        requestedBy: 'admin@pretend',
        outcome: 'accepted',
      }),
    ]);
  });
});

describe('member benefits need an asserted customer id', () => {
  async function member() {
    const id = `cus_${uniqueTag()}`;
    const email = `gold-${uniqueTag().toLowerCase()}@example.com`;
    await stack.db
      .insert(customers)
      .values({ id, name: 'Gold Member', email, phone: '+49 30 7654321', memberLevel: 'gold', points: 500 });
    return { id, name: 'Gold Member', email, phone: '+49 30 7654321' };
  }

  it('prices an order that gives only a member’s e-mail as a guest and refuses to redeem points on it', async () => {
    const { id, ...byEmail } = await member();
    const guest = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { customer: byEmail }));
    expect(guest.statusCode).toBe(201);
    expect(guest.json().pricing.discounts).toEqual([]);
    // The member's id is not learnt from their e-mail: the service sees no customer id on such an order, support does.
    expect(guest.json().customerId).toBeNull();
    expect((await get('/v1/orders?limit=1', asService)).json().items).toEqual([
      expect.objectContaining({ id: guest.json().id, customerId: null }),
    ]);
    expect((await get(`/v1/orders/${guest.json().id}`, asSupport)).json().customerId).toBe(id);

    const points = await postOrder(
      stack.app,
      orderRequest([{ sku, quantity: 1 }], { customer: byEmail, pointsToRedeem: 100 }),
    );
    expect(points.statusCode).toBe(422);
    expect(points.json().errors).toEqual([
      {
        path: 'pointsToRedeem',
        message: 'needs customer.id: only a member the calling service identifies can redeem points',
      },
    ]);
    expect((await stack.db.select().from(customers).where(eq(customers.id, id)))[0]!.points).toBe(500);

    const identified = await postOrder(
      stack.app,
      orderRequest([{ sku, quantity: 1 }], { customer: { id, ...byEmail } }),
    );
    expect(identified.json().customerId).toBe(id);
    expect(identified.json().pricing.discounts).toEqual([{ kind: 'member', label: 'gold member 5%', amount: 100 }]);
  });

  it('gives the same answer for an unknown customer id as for another customer’s id, so ids cannot be probed', async () => {
    const known = await member();
    const probe = (id: string) =>
      postOrder(
        stack.app,
        orderRequest([{ sku, quantity: 1 }], {
          customer: { id, name: 'Prober', email: 'prober@example.com', phone: '+49 30 1234567' },
        }),
      );
    const [unknown, someoneElse] = [await probe(`cus_${uniqueTag()}`), await probe(known.id)];
    expect(unknown.statusCode).toBe(422);
    expect(someoneElse.statusCode).toBe(422);
    expect(someoneElse.json()).toEqual(unknown.json());
    expect(unknown.json().errors).toEqual([
      { path: 'customer.id', message: 'does not name a customer with this e-mail' },
    ]);
  });
});

describe('Idempotency-Key: per caller and per action', () => {
  it('refuses a malformed key with a 400 instead of ignoring it', async () => {
    for (const key of ['short', 'has spaces in it', 'x'.repeat(201)]) {
      const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]), { 'idempotency-key': key });
      expect(placed.statusCode).toBe(400);
      expect(placed.json().errors).toEqual([{ path: 'idempotency-key', message: expect.stringContaining('8 to 200') }]);
    }
    const order = await serviceOrder();
    const cancel = await post(
      `/v1/orders/${order.id}/cancel`,
      { ...asService, 'idempotency-key': 'bad key!' },
      { reason: 'r', requestedBy: 'x' },
    );
    expect(cancel.statusCode).toBe(400);
    expect((await get(`/v1/orders/${order.id}`, asService)).json().status).not.toBe('cancelled');
  });

  it('keeps two callers’ keys apart: the same key text gives each its own order', async () => {
    const key = `shared-${uniqueTag()}`;
    const body = orderRequest([{ sku, quantity: 1 }]);
    const ours = await postOrder(stack.app, body, { 'idempotency-key': key });
    const theirs = await post('/v1/orders', { ...asMarketplace, 'idempotency-key': key }, body);
    expect([ours.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.json().id).not.toBe(ours.json().id);
  });

  it('refuses a key reused for another action, another order or another body with a 422, never the first answer', async () => {
    const [first, second] = [await serviceOrder(), await serviceOrder()];
    await waitForStatus(stack.app, first.id, 'awaiting_payment');
    const key = `act-${uniqueTag()}`;
    const cancel = (orderId: string, reason: string) =>
      post(`/v1/orders/${orderId}/cancel`, { ...asService, 'idempotency-key': key }, { reason, requestedBy: 'shop' });

    const cancelled = await cancel(first.id, 'customer asked');
    expect(cancelled.statusCode).toBe(200);
    const retried = await cancel(first.id, 'customer asked');
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual(cancelled.json());

    for (const reused of [
      await cancel(first.id, 'another reason'),
      await cancel(second.id, 'customer asked'),
      await post(
        `/v1/orders/${first.id}/returns`,
        { ...asService, 'idempotency-key': key },
        { reason: 'customer asked', requestedBy: 'shop' },
      ),
    ]) {
      expect(reused.statusCode).toBe(422);
      expect(reused.json()).toMatchObject({ type: '/problems/idempotency-key-reused' });
    }
    const placing = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]), { 'idempotency-key': key });
    expect(placing.statusCode).toBe(422);
    expect(placing.json().detail).toContain('another action (cancel)');

    // The second order was never touched; the first was asked once.
    expect((await get(`/v1/orders/${second.id}`, asService)).json().status).toBe('awaiting_payment');
    const asked = await stack.db
      .select()
      .from(supportRequests)
      .where(eq(supportRequests.orderId, first.id))
      .orderBy(asc(supportRequests.id));
    expect(asked.map((r) => r.action)).toEqual(['cancel']);
  });

  it('answers a support edit retried with its key like the first, and the key with another body with a 422', async () => {
    const order = await serviceOrder();
    await waitForStatus(stack.app, order.id, 'awaiting_payment');
    const key = `sup-${uniqueTag()}`;
    const edit = (quantity: number) =>
      stack.app.inject({
        method: 'PATCH',
        url: `/v1/orders/${order.id}`,
        headers: { ...asSupport, 'idempotency-key': key },
        payload: { requestedBy: 'sam', lines: [{ sku, quantity }] },
      });
    const first = await edit(2);
    expect(first.statusCode).toBe(200);
    expect((await edit(2)).json()).toEqual(first.json());
    const other = await edit(3);
    expect(other.statusCode).toBe(422);
    expect((await get(`/v1/orders/${order.id}`, asService)).json().lines).toEqual([
      expect.objectContaining({ quantity: 2 }),
    ]);
  });
});
