import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { buildApp } from '../../api/app.js';
import { deliverOwedShopFloorEvents } from '../../api/production/owed-deliveries.js';
import { warehouseEvents } from '../../db/schema.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asMarketplace, asService, asSupport, postOrder } from '../support/http.js';
import { appRefusingSignals, expectSignals, insertOrder, signalsTo } from '../support/shop-floor.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let refusing: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  refusing = await appRefusingSignals(stack);
});
afterAll(async () => {
  await refusing.close();
  await stack.close();
});

type App = Pick<TestStack['app'], 'inject'>;

function scan(body: Record<string, unknown>, headers: Record<string, string> = asService, app: App = stack.app) {
  return app.inject({ method: 'POST', url: '/v1/warehouse-events', headers, payload: body });
}

/** An order placed through the API by the service key, its workflow waiting for payment. */
async function runningOrder(): Promise<string> {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  expect(placed.statusCode, placed.body).toBe(201);
  return placed.json().id;
}

const scanId = () => `scan-${uniqueTag()}`;
const row = async (id: string) => (await stack.db.select().from(warehouseEvents).where(eq(warehouseEvents.id, id)))[0];
const scansOf = (orderId: string) => stack.db.$count(warehouseEvents, eq(warehouseEvents.orderId, orderId));

describe('POST /v1/warehouse-events', () => {
  it("records a scan once and tells the order; any service key may report another service's order", async () => {
    const orderId = await runningOrder();
    const [picked, packed] = [scanId(), scanId()];
    const first = await scan(
      {
        id: picked,
        orderId,
        type: 'picked',
        warehouseId: 'WH-BER',
        device: 'RF-07',
        occurredAt: '2026-03-02T10:00:00+01:00',
      },
      asMarketplace,
    );
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({ id: picked, duplicate: false });
    expect(await row(picked)).toMatchObject({
      orderId,
      type: 'picked',
      warehouseId: 'WH-BER',
      device: 'RF-07',
      occurredAt: new Date('2026-03-02T09:00:00Z'),
      reportedBy: 'marketplace',
    });
    expect((await scan({ id: packed, orderId, type: 'packed', occurredAt: '2026-03-02T09:30:00Z' })).statusCode).toBe(
      202,
    );

    const repeat = await scan({ id: picked, orderId, type: 'packed', occurredAt: '2026-03-02T11:00:00Z' });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual({ id: picked, duplicate: true });
    expect(await scansOf(orderId)).toBe(2);
    expect((await row(picked))!.type).toBe('picked');

    await expectSignals(stack, orderId, 'warehouseScan', [
      {
        eventId: picked,
        type: 'picked',
        warehouseId: 'WH-BER',
        device: 'RF-07',
        occurredAt: '2026-03-02T09:00:00.000Z',
      },
      { eventId: packed, type: 'packed', occurredAt: '2026-03-02T09:30:00.000Z' },
    ]);
    expect((await row(picked))!.deliveredAt).not.toBeNull();
    expect((await row(packed))!.deliveredAt).not.toBeNull();
  });

  it('counts a scan for an order without a workflow as delivered', async () => {
    const orderId = await insertOrder(stack);
    const id = scanId();
    expect((await scan({ id, orderId, type: 'packed', occurredAt: '2026-03-02T09:30:00Z' })).statusCode).toBe(202);
    expect((await row(id))!.deliveredAt).not.toBeNull();
  });

  it('keeps a scan Temporal refused as owed (still 202), and the sweep delivers it', async () => {
    const orderId = await runningOrder();
    const id = scanId();
    const accepted = await scan(
      { id, orderId, type: 'picked', occurredAt: '2026-03-02T09:00:00Z' },
      asService,
      refusing,
    );
    expect(accepted.statusCode).toBe(202);
    expect((await row(id))!.deliveredAt).toBeNull();
    expect(await signalsTo(stack, orderId, 'warehouseScan')).toEqual([]);

    expect((await deliverOwedShopFloorEvents({ db: stack.db, temporal: stack.client }, 0)).delivered).toContain(id);
    expect((await row(id))!.deliveredAt).not.toBeNull();
    await expectSignals(stack, orderId, 'warehouseScan', [
      { eventId: id, type: 'picked', occurredAt: '2026-03-02T09:00:00.000Z' },
    ]);
  });

  it('answers 404 for an unknown order, 422 for an unknown warehouse, 409 for an id of another order, 400 for bad fields', async () => {
    const unknownOrder = await scan({
      id: scanId(),
      orderId: 'ord_01J00000000000000000000000',
      type: 'picked',
      occurredAt: '2026-03-02T09:00:00Z',
    });
    expect(unknownOrder.statusCode).toBe(404);
    expect(unknownOrder.json()).toMatchObject({ type: '/problems/order-not-found' });

    const orderId = await insertOrder(stack);
    const unknownWarehouse = await scan({
      id: scanId(),
      orderId,
      type: 'picked',
      warehouseId: 'WH-NOWHERE',
      occurredAt: '2026-03-02T09:00:00Z',
    });
    expect(unknownWarehouse.statusCode).toBe(422);
    expect(unknownWarehouse.json().errors).toEqual([{ path: 'warehouseId', message: 'is not a warehouse' }]);

    const id = scanId();
    expect((await scan({ id, orderId, type: 'picked', occurredAt: '2026-03-02T09:00:00Z' })).statusCode).toBe(202);
    const other = await insertOrder(stack);
    const reused = await scan({ id, orderId: other, type: 'picked', occurredAt: '2026-03-02T09:00:00Z' });
    expect(reused.statusCode).toBe(409);
    expect(await scansOf(other)).toBe(0);

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'shipped' }, 'type'],
      [{ orderId: 'order-1' }, 'orderId'],
      [{ occurredAt: 'now' }, 'occurredAt'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [fields, path] of cases) {
      const response = await scan({
        id: scanId(),
        orderId,
        type: 'picked',
        occurredAt: '2026-03-02T09:00:00Z',
        ...fields,
      });
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.json().errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
    expect(await scansOf(orderId)).toBe(1);

    const bySupport = await scan(
      { id: scanId(), orderId, type: 'picked', occurredAt: '2026-03-02T09:00:00Z' },
      asSupport,
    );
    expect(bySupport.statusCode).toBe(403);
  });
});
