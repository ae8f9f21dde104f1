import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialReceipts, purchaseOrders } from '../../db/schema.js';
import { uniqueTag } from '../support/fixtures.js';
import { asInventory, asService, asSupport } from '../support/http.js';
import { createMaterial, createSupplier } from '../support/production-fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const DAY = 86_400_000;
const GOOD_LOT = { moisture: 8 };

/** A supplier of this test's own and its material (moisture 6–10 %) with 10 on hand. */
async function supplierWithMaterial(): Promise<{ supplierId: string; materialId: string }> {
  const supplierId = await createSupplier(stack.db, 5);
  const materialId = await createMaterial(stack.db, { supplierId, onHand: 10 });
  return { supplierId, materialId };
}

/** An open purchase order, ordered `orderedDaysAgo` ago and due in `dueInDays` (negative: overdue). */
async function purchaseOrder(
  source: { supplierId: string; materialId: string },
  quantity: number,
  orderedDaysAgo: number,
  dueInDays: number,
): Promise<number> {
  const [order] = await stack.db
    .insert(purchaseOrders)
    .values({
      supplierId: source.supplierId,
      materialId: source.materialId,
      quantity,
      orderedAt: new Date(Date.now() - orderedDaysAgo * DAY),
      dueAt: new Date(Date.now() + dueInDays * DAY),
    })
    .returning({ id: purchaseOrders.id });
  return order!.id;
}

function receive(body: Record<string, unknown>, headers: Record<string, string> = asService) {
  return stack.app.inject({ method: 'POST', url: '/v1/materials/receipts', headers, payload: body });
}

const lot = (source: { supplierId: string; materialId: string }, quantity: number, measurements: object) => ({
  id: `rcpt-${uniqueTag()}`,
  supplierId: source.supplierId,
  material: source.materialId,
  quantity,
  measurements,
});

async function supplier(id: string) {
  const response = await stack.app.inject({ method: 'GET', url: '/v1/suppliers', headers: asSupport });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.find((item: { id: string }) => item.id === id);
}

async function material(id: string) {
  const response = await stack.app.inject({ method: 'GET', url: '/v1/materials', headers: asSupport });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.find((item: { id: string }) => item.id === id);
}

const receivedAt = async (purchaseOrderId: number) =>
  (await stack.db.select().from(purchaseOrders).where(eq(purchaseOrders.id, purchaseOrderId)))[0]!.receivedAt;

describe('POST /v1/materials/receipts', () => {
  it('puts a passed lot in stock and closes the oldest open purchase order, on time', async () => {
    const source = await supplierWithMaterial();
    const older = await purchaseOrder(source, 20, 3, 2);
    const newer = await purchaseOrder(source, 15, 1, 4);
    expect(await material(source.materialId)).toEqual({
      id: source.materialId,
      name: `Test material ${source.materialId}`,
      unit: 'pcs',
      supplierId: source.supplierId,
      onHand: 10,
      reserved: 0,
      onOrder: 35,
    });

    const body = lot(source, 20, GOOD_LOT);
    const response = await receive(body);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({ id: body.id, passed: true, failures: [], onTime: true, purchaseOrderId: older });
    expect(await material(source.materialId)).toMatchObject({ onHand: 30, onOrder: 15 });
    expect(await receivedAt(older)).not.toBeNull();
    expect(await receivedAt(newer)).toBeNull();
    expect(await supplier(source.supplierId)).toEqual({
      id: source.supplierId,
      name: `Test supplier ${source.supplierId}`,
      leadTimeDays: 5,
      score: 100,
      lotsReceived: 1,
      lotsRejected: 0,
      onTimeRate: 1,
    });
  });

  it("keeps a rejected lot out of stock, leaves the purchase order open and lowers the supplier's score", async () => {
    const source = await supplierWithMaterial();
    const order = await purchaseOrder(source, 20, 1, 4);
    const wet = lot(source, 20, { moisture: 12 });
    const rejected = await receive(wet);
    expect(rejected.statusCode).toBe(201);
    expect(rejected.json()).toEqual({
      id: wet.id,
      passed: false,
      failures: [{ name: 'moisture', value: 12, min: 6, max: 10 }],
      onTime: null,
      purchaseOrderId: null,
    });
    expect(await material(source.materialId)).toMatchObject({ onHand: 10, onOrder: 20 });
    expect(await receivedAt(order)).toBeNull();
    expect(await supplier(source.supplierId)).toMatchObject({
      score: 0,
      lotsReceived: 1,
      lotsRejected: 1,
      onTimeRate: null,
    });

    const unmeasured = await receive(lot(source, 20, { thickness: 40 }));
    expect(unmeasured.json()).toMatchObject({
      passed: false,
      failures: [{ name: 'moisture', value: null, min: 6, max: 10 }],
    });

    const good = await receive(lot(source, 20, { moisture: 6 }));
    expect(good.json()).toMatchObject({ passed: true, onTime: true, purchaseOrderId: order });
    expect(await material(source.materialId)).toMatchObject({ onHand: 30, onOrder: 0 });
    // 3 lots, 2 rejected, 1 of 1 purchase orders on time: 100 × (0.7 × 1/3 + 0.3 × 1) = 53.
    expect(await supplier(source.supplierId)).toMatchObject({
      score: 53,
      lotsReceived: 3,
      lotsRejected: 2,
      onTimeRate: 1,
    });
  });

  it('marks a lot received after its due date late, which lowers the on-time rate', async () => {
    const source = await supplierWithMaterial();
    const overdue = await purchaseOrder(source, 5, 8, -1);
    const late = await receive(lot(source, 5, GOOD_LOT));
    expect(late.json()).toMatchObject({ passed: true, onTime: false, purchaseOrderId: overdue });
    expect(await supplier(source.supplierId)).toMatchObject({
      score: 70,
      lotsReceived: 1,
      lotsRejected: 0,
      onTimeRate: 0,
    });

    const due = await purchaseOrder(source, 5, 0, 3);
    expect((await receive(lot(source, 5, GOOD_LOT))).json()).toMatchObject({ onTime: true, purchaseOrderId: due });
    expect(await supplier(source.supplierId)).toMatchObject({ score: 85, lotsReceived: 2, onTimeRate: 0.5 });

    // No purchase order open: stock still grows, punctuality is not judged.
    expect((await receive(lot(source, 5, GOOD_LOT))).json()).toMatchObject({ onTime: null, purchaseOrderId: null });
    expect(await supplier(source.supplierId)).toMatchObject({ score: 85, lotsReceived: 3, onTimeRate: 0.5 });
    expect(await material(source.materialId)).toMatchObject({ onHand: 25, onOrder: 0 });
  });

  it('answers a repeated id with the stored result (200) and receives nothing twice', async () => {
    const source = await supplierWithMaterial();
    const order = await purchaseOrder(source, 7, 1, 4);
    const body = lot(source, 7, GOOD_LOT);
    const first = await receive(body, asInventory);
    expect(first.statusCode).toBe(201);
    const repeat = await receive({ ...body, measurements: { moisture: 20 } });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ id: body.id, passed: true, failures: [], onTime: true, purchaseOrderId: order });
    expect(await material(source.materialId)).toMatchObject({ onHand: 17 });
    expect(await stack.db.$count(materialReceipts, eq(materialReceipts.supplierId, source.supplierId))).toBe(1);

    const reused = await receive({ ...body, quantity: 8 });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ type: '/problems/receipt-id-taken' });
    expect(await material(source.materialId)).toMatchObject({ onHand: 17 });
  });

  it('takes concurrent receipts of one material in turn: one closes the purchase order, each lot counts once', async () => {
    const source = await supplierWithMaterial();
    const order = await purchaseOrder(source, 5, 1, 4);
    const [a, b] = [lot(source, 5, GOOD_LOT), lot(source, 7, GOOD_LOT)];
    const responses = await Promise.all([receive(a), receive(b), receive(a), receive(b)]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 200, 201, 201]);
    const byId = new Map(responses.map((response) => [response.json().id, response.json().purchaseOrderId]));
    expect([byId.get(a.id), byId.get(b.id)].sort()).toEqual([order, null].sort());
    for (const response of responses) expect(response.json().purchaseOrderId).toBe(byId.get(response.json().id));
    expect(await material(source.materialId)).toMatchObject({ onHand: 22, onOrder: 0 });
    expect(await stack.db.$count(materialReceipts, eq(materialReceipts.supplierId, source.supplierId))).toBe(2);
  });

  it('refuses an unknown supplier or material, and a material the supplier does not supply (422)', async () => {
    const source = await supplierWithMaterial();
    const other = await supplierWithMaterial();
    const cases: Array<[Record<string, unknown>, Array<{ path: string; message: string }>]> = [
      [{ supplierId: 'SUP-NOBODY' }, [{ path: 'supplierId', message: 'is not a supplier' }]],
      [{ material: 'MAT-NOTHING' }, [{ path: 'material', message: 'is not a material' }]],
      [
        { supplierId: 'SUP-NOBODY', material: 'MAT-NOTHING' },
        [
          { path: 'supplierId', message: 'is not a supplier' },
          { path: 'material', message: 'is not a material' },
        ],
      ],
      [
        { material: other.materialId },
        [{ path: 'material', message: `is supplied by ${other.supplierId}, not ${source.supplierId}` }],
      ],
    ];
    for (const [fields, errors] of cases) {
      const response = await receive({ ...lot(source, 3, GOOD_LOT), ...fields });
      expect(response.statusCode, JSON.stringify(fields)).toBe(422);
      expect(response.json().errors).toEqual(errors);
    }
    const zero = await receive(lot(source, 0, GOOD_LOT));
    expect(zero.statusCode).toBe(400);
    expect(zero.json().errors.map((e: { path: string }) => e.path)).toEqual(['quantity']);
    expect(await stack.db.$count(materialReceipts, eq(materialReceipts.supplierId, source.supplierId))).toBe(0);
    expect(await material(source.materialId)).toMatchObject({ onHand: 10 });
    expect(await material(other.materialId)).toMatchObject({ onHand: 10 });
    expect((await receive(lot(source, 3, GOOD_LOT), asSupport)).statusCode).toBe(403);
  });
});

describe('GET /v1/suppliers and GET /v1/materials', () => {
  it('lists every supplier by id; one with no lots yet scores 100 with no on-time rate', async () => {
    const fresh = await createSupplier(stack.db, 2);
    const response = await stack.app.inject({ method: 'GET', url: '/v1/suppliers', headers: asSupport });
    expect(response.statusCode).toBe(200);
    const { items, nextCursor } = response.json();
    expect(nextCursor).toBeNull();
    const ids = items.map((item: { id: string }) => item.id);
    expect(ids).toEqual([...ids].sort());
    expect(items.find((item: { id: string }) => item.id === fresh)).toEqual({
      id: fresh,
      name: `Test supplier ${fresh}`,
      leadTimeDays: 2,
      score: 100,
      lotsReceived: 0,
      lotsRejected: 0,
      onTimeRate: null,
    });
    expect(items.find((item: { id: string }) => item.id === 'SUP-TIMBER')).toMatchObject({ leadTimeDays: 10 });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/suppliers', headers: asService })).statusCode).toBe(403);
  });

  it('lists every material by id with what is on order', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/v1/materials', headers: asSupport });
    expect(response.statusCode).toBe(200);
    const { items, nextCursor } = response.json();
    expect(nextCursor).toBeNull();
    const ids = items.map((item: { id: string }) => item.id);
    expect(ids).toEqual([...ids].sort());
    expect(items.find((item: { id: string }) => item.id === 'MAT-OAK')).toMatchObject({
      name: 'Oak board 40 mm',
      unit: 'boards',
      supplierId: 'SUP-TIMBER',
    });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/materials', headers: asService })).statusCode).toBe(403);
  });
});
