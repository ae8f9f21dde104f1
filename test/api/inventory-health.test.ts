import { eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents, orderLines, orders, products, suppliers, warehouses } from '../../db/schema.js';
import { CUSTOMERS, PRODUCT_SUPPLIERS, PRODUCTS, SUPPLIER_BY_CATEGORY } from '../../db/seed-data.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asAdmin, asService, asSupport, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const day = 86_400_000;
// A 30-day window years in the past: only this file's orders are placed in it.
const windowStart = Date.UTC(2013, 2, 1);
const windowEnd = windowStart + 30 * day;
const theWindow = { from: new Date(windowStart).toISOString(), to: new Date(windowEnd).toISOString() };

let stack: TestStack;
const tag = uniqueTag();
// A category, warehouse and supplier of this file's own, so its products are the only ones in the answer.
const category = `sh-${tag.toLowerCase()}`;
const warehouseId = `WH-${tag}`;
const supplierId = `SUP-${tag}`;
const sku = { runsOut: '', idle: '', healthy: '', noSupplier: '', live: '' };

async function stockedProduct(lots: Array<{ onHand: number; warehouseId?: string }>, urgentReserve = 0) {
  const created = await createProduct(stack.db, {
    category,
    urgentReserve,
    lots: lots.map((lot) => ({ warehouseId, ...lot })),
  });
  await stack.db.update(products).set({ supplierId }).where(eq(products.sku, created));
  return created;
}

/** An order placed at `at` with the given status and lines; `paid` adds its payment_captured milestone. */
async function placedOrder(at: number, status: string, lines: Array<[string, number]>, paid = false) {
  const id = `ord_${ulid(at)}`;
  await stack.db.insert(orders).values({
    id,
    status,
    type: 'regular',
    channel: 'phone',
    customerId: CUSTOMERS[0]!.id,
    request: orderRequest(lines.map(([lineSku, quantity]) => ({ sku: lineSku, quantity }))),
    pricing: {} as never,
    total: 1_000,
    currency: 'EUR',
    requestHash: id,
    createdAt: new Date(at),
    updatedAt: new Date(at),
  });
  await stack.db.insert(orderLines).values(
    lines.map(([lineSku, quantity], index) => ({
      orderId: id,
      lineNo: index + 1,
      sku: lineSku,
      quantity,
      unitPrice: 1_000,
    })),
  );
  if (paid)
    await stack.db.insert(orderEvents).values({
      orderId: id,
      seq: 1,
      kind: 'milestone',
      name: 'payment_captured',
      status: 'confirmed',
      actor: 'orchestrator',
      at: new Date(at + 60_000),
    });
}

async function inventory(query: Record<string, string>, headers = asSupport) {
  return stack.app.inject({ method: 'GET', url: '/v1/analytics/inventory', query, headers });
}

async function items(query: Record<string, string>) {
  const response = await inventory(query);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Array<Record<string, unknown>>;
}

beforeAll(async () => {
  stack = await startTestStack();
  await stack.db.insert(warehouses).values({ id: warehouseId, name: `Stock health ${tag}`, categories: [category] });
  await stack.db.insert(suppliers).values({ id: supplierId, name: `Supplier ${tag}`, leadTimeDays: 10 });
  // 24 on hand here less an urgent reserve of 5 is 19 available; the 50 in Berlin cannot ship this category.
  sku.runsOut = await stockedProduct([{ onHand: 24 }, { onHand: 50, warehouseId: 'WH-BER' }], 5);
  sku.idle = await stockedProduct([{ onHand: 10 }]);
  sku.healthy = await stockedProduct([{ onHand: 25 }]);
  sku.noSupplier = await createProduct(stack.db, { category, lots: [] });
  // Neither a made-to-order nor an inactive product is stock to reorder.
  await createProduct(stack.db, { category, madeToOrder: true, lots: [] });
  const inactive = await stockedProduct([{ onHand: 5 }]);
  await stack.db.update(products).set({ active: false }).where(eq(products.sku, inactive));

  const inWindow = (days: number) => windowStart + days * day;
  await placedOrder(inWindow(0), 'shipped', [
    [sku.runsOut, 30],
    [sku.healthy, 12],
  ]);
  await placedOrder(inWindow(10), 'awaiting_payment', [[sku.runsOut, 20]]);
  await placedOrder(inWindow(15), 'cancelled', [[sku.runsOut, 10]], true); // cancelled after paying: counts
  await placedOrder(inWindow(16), 'cancelled', [[sku.runsOut, 100]]); // cancelled before paying: does not
  await placedOrder(inWindow(17), 'failed', [[sku.runsOut, 50]]); // failed before paying: does not
  await placedOrder(inWindow(20), 'delivered', [[sku.healthy, 18]]);
  await placedOrder(inWindow(20), 'completed', [[inactive, 7]]);
  await placedOrder(windowStart - 1, 'shipped', [[sku.runsOut, 500]]); // just before the window
  await placedOrder(windowEnd, 'shipped', [[sku.healthy, 500]]); // at its end, which is exclusive
  await stack.startWorker();
});
afterAll(() => stack.close());

describe('GET /v1/analytics/inventory over a window of known orders', () => {
  it('flags the SKU that runs out before its lead time, the idle one overstock and the healthy one ok, with exact numbers', async () => {
    const response = await inventory({ ...theWindow, category });
    expect(response.statusCode, response.body).toBe(200);
    const ok = [sku.healthy, sku.noSupplier].sort();
    expect(response.json()).toEqual({
      from: '2013-03-01T00:00:00.000Z',
      to: '2013-03-31T00:00:00.000Z',
      windowDays: 30,
      policy: { safetyDays: 7, reviewDays: 14, overstockDays: 90, leadTimeWithoutSupplierDays: 30 },
      items: [
        {
          sku: sku.runsOut,
          name: `Test product ${sku.runsOut}`,
          category,
          supplierId,
          available: 19,
          onHand: 74,
          unitsOrdered: 60, // 30 shipped + 20 awaiting payment + 10 cancelled after paying
          dailyDemand: 2,
          leadTimeDays: 10,
          reorderPoint: 34, // 2 × (10 + 7)
          suggestedQuantity: 43, // 2 × (10 + 14 + 7) − 19
          risk: 'stockout', // 19 < 2 × 10
        },
        {
          sku: sku.idle,
          name: `Test product ${sku.idle}`,
          category,
          supplierId,
          available: 10,
          onHand: 10,
          unitsOrdered: 0,
          dailyDemand: 0,
          leadTimeDays: 10,
          reorderPoint: 0,
          suggestedQuantity: 0,
          risk: 'overstock',
        },
        ...ok.map((okSku) =>
          okSku === sku.healthy
            ? {
                sku: sku.healthy,
                name: `Test product ${sku.healthy}`,
                category,
                supplierId,
                available: 25,
                onHand: 25,
                unitsOrdered: 30,
                dailyDemand: 1,
                leadTimeDays: 10,
                reorderPoint: 17,
                suggestedQuantity: 6, // 31 − 25
                risk: 'ok',
              }
            : {
                sku: sku.noSupplier,
                name: `Test product ${sku.noSupplier}`,
                category,
                supplierId: null,
                available: 0,
                onHand: 0,
                unitsOrdered: 0,
                dailyDemand: 0,
                leadTimeDays: 30,
                reorderPoint: 0,
                suggestedQuantity: 0,
                risk: 'ok',
              },
        ),
      ],
    });
  });

  it('filters by risk, and measures daily demand over the window asked for', async () => {
    expect((await items({ ...theWindow, category, risk: 'stockout' })).map((item) => item.sku)).toEqual([sku.runsOut]);
    expect((await items({ ...theWindow, category, risk: 'overstock' })).map((item) => item.sku)).toEqual([sku.idle]);
    // The first 10 days hold only the first order: 30 units of runsOut in 10 days is 3 a day.
    const firstTenDays = await items({
      from: theWindow.from,
      to: new Date(windowStart + 10 * day).toISOString(),
      category,
    });
    expect(firstTenDays.find((item) => item.sku === sku.runsOut)).toMatchObject({
      unitsOrdered: 30,
      dailyDemand: 3,
      reorderPoint: 51,
      risk: 'stockout',
    });
    expect(firstTenDays.find((item) => item.sku === sku.healthy)).toMatchObject({ unitsOrdered: 12, dailyDemand: 1.2 });
  });

  it('defaults to the last 30 days up to now', async () => {
    const before = Date.now();
    const response = await inventory({ category }, asAdmin);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.windowDays).toBe(30);
    expect(Date.parse(body.to)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(30 * day);
    expect(body.items.find((item: { sku: string }) => item.sku === sku.runsOut)).toMatchObject({ unitsOrdered: 0 });
  });

  it('gives every seeded stocked product its category supplier and that supplier lead time', async () => {
    const all = await items({});
    const leadTime = new Map(PRODUCT_SUPPLIERS.map((supplier) => [supplier.id, supplier.leadTimeDays]));
    const stocked = PRODUCTS.filter((product) => !product.madeToOrder);
    expect(stocked.length).toBeGreaterThan(0);
    for (const product of stocked) {
      const expected = SUPPLIER_BY_CATEGORY[product.category]!;
      expect(all.find((item) => item.sku === product.sku)).toMatchObject({
        supplierId: expected,
        leadTimeDays: leadTime.get(expected),
      });
    }
    for (const product of PRODUCTS.filter((p) => p.madeToOrder))
      expect(all.some((item) => item.sku === product.sku)).toBe(false);
  });

  it('refuses a bad date, a window that does not end after it starts, an unknown risk and a start after now', async () => {
    const refused: Array<Record<string, string>> = [
      { from: 'yesterday' },
      { from: '2013-03-01' },
      { from: theWindow.to, to: theWindow.from },
      { from: theWindow.from, to: theWindow.from },
      { risk: 'doomed' },
      { category: 'Not a category!' },
      { from: new Date(Date.now() + day).toISOString() },
    ];
    for (const query of refused) {
      const response = await inventory(query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('is for support and admin: a service key is refused', async () => {
    expect((await inventory(theWindow, asService)).statusCode).toBe(403);
    expect((await inventory(theWindow, {} as typeof asSupport)).statusCode).toBe(401);
    expect((await inventory({ ...theWindow, category }, asAdmin)).statusCode).toBe(200);
  });
});

describe('GET /v1/analytics/inventory with an order placed through the stack', () => {
  it('counts its units in the demand of a window around now, and its reservation in what is available', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    sku.live = await stockedProduct([{ onHand: 20 }]);
    const placed = await postOrder(stack.app, orderRequest([{ sku: sku.live, quantity: 3 }]));
    expect(placed.statusCode, placed.body).toBe(201);
    await waitForStatus(stack.app, placed.json().id, 'awaiting_payment');
    const to = new Date(Date.now() + 60_000).toISOString();
    const live = (await items({ from, to, category })).find((item) => item.sku === sku.live);
    expect(live).toMatchObject({ onHand: 20, available: 17, unitsOrdered: 3, leadTimeDays: 10 });
  });
});
