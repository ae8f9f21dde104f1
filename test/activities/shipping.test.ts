import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createShippingActivities } from '../../activities/shipping.js';
import { createDatabase } from '../../db/client.js';
import { orderLines, orders, products, shipments } from '../../db/schema.js';
import { createSandboxCarrier } from '../../sandbox/carrier.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';

const database = createDatabase(inject('databaseUrl'));
const { db } = database;
const sandbox = createSandboxCarrier({ secret: 'x' });
const shipping = createShippingActivities({ db, carriers: sandbox.gateway });
afterAll(() => database.close());

const NOW = '2026-03-02T09:00:00.000Z';
const daysAfterNow = (days: number) => new Date(Date.parse(NOW) + days * 86_400_000).toISOString();

/** A confirmed order of `quantity` units of a new product weighing `weightGrams` each. */
async function orderOf(quantity: number, weightGrams = 200): Promise<string> {
  const sku = await createProduct(db, { lots: [] });
  if (weightGrams !== 200) await db.update(products).set({ weightGrams }).where(eq(products.sku, sku));
  const id = `ord_SHIP${uniqueTag()}`;
  const [customer] = await db.execute<{ id: string }>(sql`select id from customers limit 1`);
  await db.insert(orders).values({
    id,
    status: 'confirmed',
    type: 'regular',
    channel: 'web',
    customerId: customer!.id,
    request: orderRequest([{ sku, quantity }]),
    pricing: {} as never,
    total: 0,
    currency: 'EUR',
    requestHash: 'x',
  });
  await db.insert(orderLines).values({ orderId: id, lineNo: 1, sku, quantity, unitPrice: 1_000 });
  return id;
}

const shipmentOf = async (orderId: string) =>
  (await db.select().from(shipments).where(eq(shipments.orderId, orderId)))[0]!;

describe('bookShipment', () => {
  it('books a light regular parcel with the cheapest standard band and records it', async () => {
    const orderId = await orderOf(3); // 600 g, 1500 cm³
    const booked = await shipping.bookShipment({ orderId, urgent: false, now: NOW });
    expect(booked).toMatchObject({
      carrierId: 'parcelnet',
      service: 'standard',
      cost: 390 + 70,
      meetsDeadline: true,
      trackingNumber: sandbox.trackingNumberFor('parcelnet', orderId),
    });
    expect(await shipmentOf(orderId)).toMatchObject({
      status: 'booked',
      carrierId: 'parcelnet',
      weightGrams: 600,
      volumeCm3: 1_500,
      cost: 460,
      trackingNumber: booked.trackingNumber,
    });
    expect((await shipmentOf(orderId)).eta.toISOString()).toBe(booked.eta);
  });

  it('books urgent parcels by express', async () => {
    const orderId = await orderOf(1);
    expect(await shipping.bookShipment({ orderId, urgent: true, now: NOW })).toMatchObject({
      carrierId: 'swiftpost',
      service: 'express',
      cost: 1_380,
      meetsDeadline: true,
    });
  });

  it('pays for speed only when the requested delivery date needs it, and says when no band makes it', async () => {
    const roomy = await orderOf(1);
    expect(
      await shipping.bookShipment({ orderId: roomy, urgent: false, now: NOW, requestedDeliveryBy: daysAfterNow(3.5) }),
    ).toMatchObject({ carrierId: 'swiftpost', service: 'standard', cost: 510, meetsDeadline: true });
    const tight = await orderOf(1);
    expect(
      await shipping.bookShipment({ orderId: tight, urgent: false, now: NOW, requestedDeliveryBy: daysAfterNow(2) }),
    ).toMatchObject({ carrierId: 'swiftpost', service: 'express', meetsDeadline: true });
    const late = await orderOf(1);
    expect(
      await shipping.bookShipment({ orderId: late, urgent: false, now: NOW, requestedDeliveryBy: daysAfterNow(0.5) }),
    ).toMatchObject({ carrierId: 'swiftpost', service: 'express', meetsDeadline: false });
  });

  it('refuses for good a parcel no carrier takes', async () => {
    const orderId = await orderOf(2, 40_000);
    await expect(shipping.bookShipment({ orderId, urgent: false, now: NOW })).rejects.toMatchObject({
      type: 'NoCarrier',
      nonRetryable: true,
    });
    expect(await db.select().from(shipments).where(eq(shipments.orderId, orderId))).toEqual([]);
  });

  it('returns the first booking when called again, even with other inputs', async () => {
    const orderId = await orderOf(1);
    const first = await shipping.bookShipment({
      orderId,
      urgent: false,
      now: NOW,
      requestedDeliveryBy: daysAfterNow(2),
    });
    const again = await shipping.bookShipment({
      orderId,
      urgent: false,
      now: NOW,
      requestedDeliveryBy: daysAfterNow(2),
    });
    expect(again).toEqual(first);
    // Another input does not rebook: the parcel already has its carrier.
    expect(await shipping.bookShipment({ orderId, urgent: false, now: NOW })).toEqual(first);
    const concurrent = await orderOf(1);
    const [a, b] = await Promise.all(
      [0, 1].map(() => shipping.bookShipment({ orderId: concurrent, urgent: true, now: NOW })),
    );
    expect(a).toEqual(b);
    expect(await db.select().from(shipments).where(eq(shipments.orderId, concurrent))).toHaveLength(1);
  });
});

describe('recordShipmentEvent', () => {
  it('moves the status forward only, keeps the first times, and records exceptions until delivery', async () => {
    const orderId = await orderOf(1);
    const { trackingNumber } = await shipping.bookShipment({ orderId, urgent: false, now: NOW });
    const event = (type: 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception', hour: number) =>
      shipping.recordShipmentEvent({
        orderId,
        trackingNumber,
        type,
        occurredAt: `2026-03-03T${String(hour).padStart(2, '0')}:00:00Z`,
      });

    expect(await event('in_transit', 10)).toEqual({ status: 'in_transit' });
    expect((await shipmentOf(orderId)).pickedUpAt?.toISOString()).toBe('2026-03-03T10:00:00.000Z');
    expect(await event('picked_up', 8)).toEqual({ status: 'in_transit' });
    expect((await shipmentOf(orderId)).pickedUpAt?.toISOString()).toBe('2026-03-03T10:00:00.000Z');
    expect(await event('exception', 12)).toEqual({ status: 'exception' });
    expect(await event('picked_up', 8)).toEqual({ status: 'exception' });
    expect(await event('out_for_delivery', 14)).toEqual({ status: 'out_for_delivery' });
    expect(await event('in_transit', 11)).toEqual({ status: 'out_for_delivery' });
    expect(await event('delivered', 16)).toEqual({ status: 'delivered' });
    expect(await event('exception', 17)).toEqual({ status: 'delivered' });
    expect(await event('delivered', 18)).toEqual({ status: 'delivered' });
    expect(await shipmentOf(orderId)).toMatchObject({
      status: 'delivered',
      deliveredAt: new Date('2026-03-03T16:00:00Z'),
      pickedUpAt: new Date('2026-03-03T10:00:00Z'),
    });
  });

  it('takes a delivery without a pickup event as the pickup too', async () => {
    const orderId = await orderOf(1);
    const { trackingNumber } = await shipping.bookShipment({ orderId, urgent: false, now: NOW });
    expect(
      await shipping.recordShipmentEvent({
        orderId,
        trackingNumber,
        type: 'delivered',
        occurredAt: '2026-03-04T15:30:00+01:00',
      }),
    ).toEqual({ status: 'delivered' });
    expect(await shipmentOf(orderId)).toMatchObject({
      pickedUpAt: new Date('2026-03-04T14:30:00Z'),
      deliveredAt: new Date('2026-03-04T14:30:00Z'),
    });
  });

  it('refuses for good an event for a parcel the order does not have', async () => {
    const orderId = await orderOf(1);
    await expect(
      shipping.recordShipmentEvent({ orderId, trackingNumber: 'NOPE', type: 'picked_up', occurredAt: NOW }),
    ).rejects.toMatchObject({ type: 'ShipmentNotFound', nonRetryable: true });
  });
});
