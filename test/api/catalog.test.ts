import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products, stockLots } from '../../db/schema.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { createMadeToOrderProduct, TEST_STANDARD } from '../support/production-fixtures.js';
import { asInventory, asService, asSupport, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type CatalogItem = { sku: string; category: string; available: number };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
});
afterAll(() => stack.close());

/** A tea with two lots in Berlin (which ships tea), the newer one inserted first, and one lot in Munich (which does not). */
const teaInBerlinAndMunich = () =>
  createProduct(stack.db, {
    priceMinor: 1_500,
    lots: [
      { onHand: 5, warehouseId: 'WH-BER', daysAgo: 3 },
      { onHand: 10, warehouseId: 'WH-BER', daysAgo: 40 },
      { onHand: 7, warehouseId: 'WH-MUC', daysAgo: 50 },
    ],
  });

async function catalog(query: Record<string, string> = {}): Promise<CatalogItem[]> {
  const response = await stack.app.inject({ method: 'GET', url: '/v1/products', query, headers: asService });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

function inventory(sku: string, headers: Record<string, string> = asSupport) {
  return stack.app.inject({ method: 'GET', url: `/v1/inventory/${sku}`, headers });
}

describe('GET /v1/products', () => {
  it('lists active products with the stock that can be sold now', async () => {
    const tea = await teaInBerlinAndMunich();
    const soldOut = await createProduct(stack.db, { category: 'coffee', lots: [] });
    const table = await createProduct(stack.db, {
      category: 'furniture',
      priceMinor: 48_900,
      madeToOrder: true,
      lots: [
        { onHand: 4, warehouseId: 'WH-MUC' },
        { onHand: 6, warehouseId: 'WH-BER' },
      ],
    });
    const retired = await createProduct(stack.db, { lots: [{ onHand: 9 }] });
    await stack.db.update(products).set({ active: false }).where(eq(products.sku, retired));

    const items = await catalog();
    const bySku = new Map(items.map((item) => [item.sku, item]));
    expect(bySku.get(tea)).toEqual({
      sku: tea,
      name: `Test product ${tea}`,
      category: 'tea',
      price: 1_500,
      currency: 'EUR',
      madeToOrder: false,
      available: 15,
      urgentReserve: 0,
      qualityStandard: [],
      workCentre: null,
      minutesPerUnit: null,
    });
    expect(bySku.get(soldOut)).toMatchObject({ category: 'coffee', available: 0 });
    expect(bySku.get(table)).toMatchObject({ category: 'furniture', price: 48_900, madeToOrder: true, available: 4 });
    expect(bySku.has(retired)).toBe(false);
    expect(bySku.get('TEA-001')).toMatchObject({ name: 'Sencha green tea 100 g', price: 890 });
    expect(items.map((item) => item.sku)).toEqual([...items.map((item) => item.sku)].sort());

    const furniture = await catalog({ category: 'furniture' });
    expect(furniture.every((item) => item.category === 'furniture')).toBe(true);
    expect(furniture.map((item) => item.sku)).toContain(table);
    expect(furniture.map((item) => item.sku)).not.toContain(tea);
    expect(await catalog({ category: 'no-such-category' })).toEqual([]);
  });

  it('refuses unknown query fields and needs an API key', async () => {
    const bad = await stack.app.inject({ method: 'GET', url: '/v1/products?colour=red', headers: asService });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ path: 'colour', message: 'is not a known field' }]);
    const anonymous = await stack.app.inject({ method: 'GET', url: '/v1/products' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /v1/products/:sku', () => {
  const product = (sku: string, headers: Record<string, string> = asService) =>
    stack.app.inject({ method: 'GET', url: `/v1/products/${sku}`, headers });

  it('shows a made-to-order product with its quality standard, work centre and minutes per unit', async () => {
    const made = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 45, priceMinor: 7_500 });
    const response = await product(made.sku, asSupport);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      sku: made.sku,
      name: `Test product ${made.sku}`,
      category: 'apparel',
      price: 7_500,
      currency: 'EUR',
      madeToOrder: true,
      available: 0,
      urgentReserve: 0,
      qualityStandard: TEST_STANDARD,
      workCentre: made.workCentreId,
      minutesPerUnit: 45,
    });
    const listed = (await catalog({ category: 'apparel' })).find((item) => item.sku === made.sku);
    expect(listed).toEqual(response.json());
  });

  it('shows a stock product with no standard, and the seeded oak table with its own', async () => {
    const tea = await teaInBerlinAndMunich();
    expect((await product(tea)).json()).toMatchObject({
      sku: tea,
      available: 15,
      qualityStandard: [],
      workCentre: null,
      minutesPerUnit: null,
    });
    expect((await product('FUR-001')).json()).toMatchObject({
      madeToOrder: true,
      workCentre: 'WC-WOOD',
      minutesPerUnit: 480,
      qualityStandard: [
        { name: 'top_flatness', unit: 'mm', min: 0, max: 0.5 },
        { name: 'leg_height_deviation', unit: 'mm', min: 0, max: 1 },
        { name: 'moisture', unit: '%', min: 6, max: 10 },
      ],
    });
  });

  it('answers 404 for an unknown or retired SKU, 400 for a malformed one and 403 for the inventory key', async () => {
    const unknown = await product('NO-SUCH-SKU');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/product-not-found' });
    const retired = await createProduct(stack.db, { lots: [{ onHand: 1 }] });
    await stack.db.update(products).set({ active: false }).where(eq(products.sku, retired));
    expect((await product(retired)).statusCode).toBe(404);
    expect((await product('lower-case')).statusCode).toBe(400);
    expect((await product('TEA-001', asInventory)).statusCode).toBe(403);
  });
});

describe('GET /v1/inventory/:sku', () => {
  it('shows stock per warehouse and lot, oldest lot first, and sells only from warehouses that serve the category', async () => {
    const sku = await teaInBerlinAndMunich();
    const response = await inventory(sku);
    expect(response.statusCode).toBe(200);
    const stock = response.json();
    expect(stock).toMatchObject({
      sku,
      name: `Test product ${sku}`,
      category: 'tea',
      totals: { onHand: 22, reserved: 0, available: 15, urgentReserve: 0 },
    });
    expect(stock.warehouses).toEqual([
      {
        warehouseId: 'WH-BER',
        name: 'Berlin central',
        servesCategory: true,
        onHand: 15,
        reserved: 0,
        available: 15,
        urgentReserve: 0,
        lots: [
          {
            lotCode: `${sku}-L2`,
            receivedAt: expect.any(String),
            onHand: 10,
            reserved: 0,
            available: 10,
            urgentReserve: 0,
          },
          {
            lotCode: `${sku}-L1`,
            receivedAt: expect.any(String),
            onHand: 5,
            reserved: 0,
            available: 5,
            urgentReserve: 0,
          },
        ],
      },
      {
        warehouseId: 'WH-MUC',
        name: 'Munich workshop',
        servesCategory: false,
        onHand: 7,
        reserved: 0,
        available: 0,
        urgentReserve: 0,
        lots: [
          {
            lotCode: `${sku}-L3`,
            receivedAt: expect.any(String),
            onHand: 7,
            reserved: 0,
            available: 0,
            urgentReserve: 0,
          },
        ],
      },
    ]);
    const [older, newer] = stock.warehouses[0].lots;
    expect(Date.parse(older.receivedAt)).toBeLessThan(Date.parse(newer.receivedAt));
  });

  it('follows reservations in real time: an order takes the oldest lot first and never the Munich stock', async () => {
    const sku = await teaInBerlinAndMunich();
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 12 }]));
    expect(placed.statusCode, placed.body).toBe(201);
    await waitForStatus(stack.app, placed.json().id, 'awaiting_payment');

    const stock = (await inventory(sku)).json();
    expect(stock.totals).toEqual({ onHand: 22, reserved: 12, available: 3, urgentReserve: 0 });
    const [berlin, munich] = stock.warehouses;
    expect(berlin).toMatchObject({ onHand: 15, reserved: 12, available: 3 });
    expect(
      berlin.lots.map((lot: { lotCode: string; reserved: number; available: number }) => [
        lot.lotCode,
        lot.reserved,
        lot.available,
      ]),
    ).toEqual([
      [`${sku}-L2`, 10, 0],
      [`${sku}-L1`, 2, 3],
    ]);
    expect(munich).toMatchObject({ servesCategory: false, reserved: 0, available: 0 });
    expect((await catalog({ category: 'tea' })).find((item) => item.sku === sku)).toMatchObject({ available: 3 });
  });

  it('tells the truth a shop front can quote: available leaves the urgent reserve out, and a regular order for all of it is served in full', async () => {
    const sku = await createProduct(stack.db, {
      urgentReserve: 3,
      lots: [
        { onHand: 5, warehouseId: 'WH-BER', daysAgo: 40 },
        { onHand: 5, warehouseId: 'WH-BER', daysAgo: 3 },
        { onHand: 7, warehouseId: 'WH-MUC', daysAgo: 50 },
      ],
    });
    const before = (await inventory(sku)).json();
    expect(before.totals).toEqual({ onHand: 17, reserved: 0, available: 7, urgentReserve: 3 });
    // The reserve sits on the newest lot, the one a regular order would take last.
    expect(
      before.warehouses[0].lots.map((lot: { available: number; urgentReserve: number }) => [
        lot.available,
        lot.urgentReserve,
      ]),
    ).toEqual([
      [5, 0],
      [2, 3],
    ]);
    expect(before.warehouses[1]).toMatchObject({ warehouseId: 'WH-MUC', available: 0, urgentReserve: 0 });
    expect((await catalog()).find((item) => item.sku === sku)).toMatchObject({ available: 7, urgentReserve: 3 });

    const all = await postOrder(stack.app, orderRequest([{ sku, quantity: before.totals.available }]));
    expect(all.statusCode, all.body).toBe(201);
    const reserved = await waitForStatus(stack.app, all.json().id, 'awaiting_payment');
    expect(reserved.lines[0]!.allocation.reduce((sum: number, a: { quantity: number }) => sum + a.quantity, 0)).toBe(7);
    expect((await inventory(sku)).json().totals).toEqual({ onHand: 17, reserved: 7, available: 0, urgentReserve: 3 });

    const oneMore = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
    await waitForStatus(stack.app, oneMore.json().id, 'awaiting_shortage_decision');
  });

  it('answers a product without stock with empty warehouses', async () => {
    const sku = await createProduct(stack.db, { category: 'apparel', madeToOrder: true, lots: [] });
    expect((await inventory(sku)).json()).toEqual({
      sku,
      name: `Test product ${sku}`,
      category: 'apparel',
      totals: { onHand: 0, reserved: 0, available: 0, urgentReserve: 0 },
      warehouses: [],
    });
  });

  it('answers 404 for an unknown SKU, 400 for a malformed one and 401 without a key', async () => {
    const missing = await inventory('NOPE-404');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({
      type: '/problems/product-not-found',
      title: 'Product not found',
      status: 404,
    });

    const malformed = await inventory('tea%20one');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors).toEqual([expect.objectContaining({ path: 'sku' })]);

    expect((await inventory('TEA-001', {})).statusCode).toBe(401);
  });
});

describe('POST /v1/inventory/receipts', () => {
  it('refuses stock for a warehouse that does not ship the product, with the field and the reason, and records nothing', async () => {
    const sku = await createProduct(stack.db, { category: 'tea', lots: [] });
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: asInventory,
      payload: { sku, warehouseId: 'WH-MUC', quantity: 10, lotCode: `${sku}-MUC` },
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: '/problems/warehouse-does-not-ship-category',
      errors: [{ path: 'warehouseId', message: 'does not ship tea: it ships furniture, apparel' }],
    });
    expect(await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku))).toEqual([]);

    const accepted = await stack.app.inject({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: asInventory,
      payload: { sku, warehouseId: 'WH-BER', quantity: 10, lotCode: `${sku}-BER` },
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect((await inventory(sku)).json().totals).toMatchObject({ onHand: 10, available: 10 });
  });
});
