import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, orders } from '../../db/schema.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asService, getOrder, postOrder } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Query = Record<string, string | number>;
type Summary = { id: string; status: string; type: string; channel: string; customerId: string; createdAt: string };

const hour = 3_600_000;
const start = Date.UTC(2025, 2, 1);
/** The same instant written with a +02:00 offset, as a client in Berlin's summer would send it. */
const inBerlin = (ms: number) => new Date(ms + 2 * hour).toISOString().replace('Z', '+02:00');

// One customer's history, oldest first; order i is created at start + i hours.
const HISTORY = [
  { status: 'awaiting_payment', type: 'regular', channel: 'web' },
  { status: 'confirmed', type: 'urgent', channel: 'app' },
  { status: 'cancelled', type: 'regular', channel: 'marketplace' },
  { status: 'awaiting_payment', type: 'custom', channel: 'phone' },
  { status: 'confirmed', type: 'regular', channel: 'web' },
  { status: 'shipped', type: 'regular', channel: 'web' },
  { status: 'awaiting_payment', type: 'urgent', channel: 'app' },
] as const;

let stack: TestStack;
let customerId: string;
let idsOldestFirst: string[];

async function insertCustomer(): Promise<string> {
  const id = `cus_${uniqueTag()}`;
  await stack.db
    .insert(customers)
    .values({ id, name: 'List Tester', email: `list-${id.toLowerCase()}@example.com`, phone: '+49 30 1111111' });
  return id;
}

async function insertOrder(owner: string, at: number, shape: (typeof HISTORY)[number]): Promise<string> {
  // The id carries the creation time, as placement's ulid() does.
  const id = `ord_${ulid(at)}`;
  const externalId = shape.channel === 'marketplace' ? `MKT-${uniqueTag()}` : null;
  await stack.db.insert(orders).values({
    id,
    ...shape,
    externalId,
    customerId: owner,
    // Placed naming the customer by id, so the placing service sees the id.
    request: (({ customer, ...rest }) => ({ ...rest, customer: { ...customer, id: owner } }))(
      orderRequest([{ sku: 'TEA-001', quantity: 1 }]),
    ),
    pricing: {} as never,
    total: 1_000 + HISTORY.indexOf(shape),
    currency: 'EUR',
    requestHash: id,
    placedBy: 'service',
    flags: shape.status === 'cancelled' ? ['payment_timeout'] : [],
    createdAt: new Date(at),
    updatedAt: new Date(at + 60_000),
  });
  return id;
}

function list(query: Query, headers: Record<string, string> = asService) {
  return stack.app.inject({
    method: 'GET',
    url: '/v1/orders',
    query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    headers,
  });
}

async function ids(query: Query): Promise<string[]> {
  const response = await list(query);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map((item: Summary) => item.id);
}

/** Follows nextCursor to the end and returns each page's ids. */
async function walk(query: Query, between?: () => Promise<unknown>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const response = await list(cursor ? { ...query, cursor } : query);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json();
    pages.push(page.items.map((item: Summary) => item.id));
    cursor = page.nextCursor;
    if (between) await between();
  } while (cursor);
  return pages;
}

const newestFirst = (indexes: number[]) => indexes.sort((a, b) => b - a).map((i) => idsOldestFirst[i]);

beforeAll(async () => {
  stack = await startTestStack();
  customerId = await insertCustomer();
  idsOldestFirst = [];
  for (const [i, shape] of HISTORY.entries())
    idsOldestFirst.push(await insertOrder(customerId, start + i * hour, shape));
});
afterAll(() => stack.close());

describe('GET /v1/orders', () => {
  it("lists a customer's orders newest first with their summary", async () => {
    const response = await list({ customerId });
    expect(response.statusCode).toBe(200);
    const page = response.json();
    expect(page.items.map((item: Summary) => item.id)).toEqual(newestFirst([0, 1, 2, 3, 4, 5, 6]));
    expect(page.nextCursor).toBeNull();
    expect(page.items[4]).toEqual({
      id: idsOldestFirst[2],
      status: 'cancelled',
      type: 'regular',
      channel: 'marketplace',
      externalId: expect.stringMatching(/^MKT-/),
      customerId,
      total: 1_002,
      currency: 'EUR',
      flags: ['payment_timeout'],
      createdAt: new Date(start + 2 * hour).toISOString(),
      updatedAt: new Date(start + 2 * hour + 60_000).toISOString(),
    });
  });

  it('shows an order placed through the API under its customer', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 10 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 2 }], { channel: 'app', type: 'urgent' }));
    expect(placed.statusCode).toBe(201);
    const order = placed.json();
    const response = await list({ customerId: (await getOrder(stack.app, order.id)).customerId! });
    expect(response.json()).toEqual({
      items: [
        expect.objectContaining({
          id: order.id,
          status: 'received',
          type: 'urgent',
          channel: 'app',
          externalId: null,
          total: order.pricing.total,
          currency: 'EUR',
        }),
      ],
      nextCursor: null,
    });
  });

  it('filters by status, type, channel and creation time, combined with AND', async () => {
    expect(await ids({ customerId, status: 'awaiting_payment' })).toEqual(newestFirst([0, 3, 6]));
    expect(await ids({ customerId, status: 'confirmed,shipped' })).toEqual(newestFirst([1, 4, 5]));
    expect(await ids({ customerId, type: 'urgent' })).toEqual(newestFirst([1, 6]));
    expect(await ids({ customerId, channel: 'web' })).toEqual(newestFirst([0, 4, 5]));
    expect(await ids({ customerId, status: 'awaiting_payment', type: 'urgent', channel: 'app' })).toEqual(
      newestFirst([6]),
    );
    expect(await ids({ customerId, status: 'delivered' })).toEqual([]);
    // createdFrom is inclusive, createdTo exclusive; offsets are honoured.
    expect(
      await ids({ customerId, createdFrom: inBerlin(start + 2 * hour), createdTo: inBerlin(start + 5 * hour) }),
    ).toEqual(newestFirst([2, 3, 4]));
    expect(await ids({ customerId, createdFrom: new Date(start + 5 * hour).toISOString() })).toEqual(
      newestFirst([5, 6]),
    );
    expect(await ids({ customerId, createdTo: inBerlin(start + hour + 1) })).toEqual(newestFirst([0, 1]));
  });

  it('applies a status filter across every customer', async () => {
    const response = await list({ status: 'awaiting_payment,cancelled', limit: 100 });
    const statuses = new Set(response.json().items.map((item: Summary) => item.status));
    expect([...statuses].every((status) => status === 'awaiting_payment' || status === 'cancelled')).toBe(true);
  });

  it('walks every page once, with no duplicates and no gaps', async () => {
    const pages = await walk({ customerId, limit: 3 });
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst([0, 1, 2, 3, 4, 5, 6]));

    // A page that ends exactly at the last order says so instead of offering an empty page.
    expect((await list({ customerId, limit: 7 })).json().nextCursor).toBeNull();
    expect(await walk({ customerId, limit: 6 })).toEqual([newestFirst([1, 2, 3, 4, 5, 6]), newestFirst([0])]);
    expect(await walk({ customerId, status: 'awaiting_payment', limit: 1 })).toEqual([
      [idsOldestFirst[6]],
      [idsOldestFirst[3]],
      [idsOldestFirst[0]],
    ]);
  });

  it('keeps a walk stable while new orders arrive', async () => {
    const owner = await insertCustomer();
    const older = await Promise.all([0, 1, 2, 3].map((i) => insertOrder(owner, start + i * hour, HISTORY[0])));
    let arrivals = 0;
    const pages = await walk({ customerId: owner, limit: 2 }, () =>
      insertOrder(owner, Date.now() + arrivals++, HISTORY[0]),
    );
    expect(pages.flat()).toEqual([...older].reverse());
    expect(await ids({ customerId: owner, limit: 100 })).toHaveLength(4 + arrivals);
  });

  it.each([
    ['cursor', { cursor: 'not a cursor' }],
    ['cursor', { cursor: Buffer.from('hello').toString('base64url') }],
    ['cursor', { cursor: Buffer.from('ord_TOOSHORT').toString('base64url') }],
    ['cursor', { cursor: `${Buffer.from('ord_01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64url')}!!` }],
    ['limit', { limit: 0 }],
    ['limit', { limit: 101 }],
    ['limit', { limit: 'ten' }],
    ['limit', { limit: 2.5 }],
    ['status', { status: 'received,lost' }],
    ['status', { status: '' }],
    ['type', { type: 'bulk' }],
    ['channel', { channel: 'fax' }],
    ['createdFrom', { createdFrom: '2025-03-01T00:00:00' }],
    ['createdTo', { createdTo: 'yesterday' }],
    ['createdTo', { createdFrom: '2025-03-02T00:00:00Z', createdTo: '2025-03-01T00:00:00Z' }],
    ['sort', { sort: 'total' }],
  ])('refuses a bad %s with a 400 problem naming it (%j)', async (field, query) => {
    const response = await list(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: '/problems/validation-error', status: 400 });
    expect(response.json().errors).toEqual([expect.objectContaining({ path: field })]);
  });

  it('accepts a cursor for an order that no longer exists: the keyset simply continues', async () => {
    const cursor = Buffer.from(`ord_${ulid(start + 3 * hour + 1)}`).toString('base64url');
    expect(await ids({ customerId, cursor })).toEqual(newestFirst([0, 1, 2, 3]));
  });

  it('needs an API key', async () => {
    const anonymous = await list({ customerId }, {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ type: '/problems/unauthorized' });
    expect((await list({ customerId }, { authorization: 'Bearer not-a-key' })).statusCode).toBe(401);
  });
});
