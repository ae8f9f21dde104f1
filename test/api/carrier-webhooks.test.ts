import { and, eq, sql } from 'drizzle-orm';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, shipments, webhookEvents } from '../../db/schema.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { postOrder, sendCarrierWebhook } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
});
afterAll(() => stack.close());

/** Books a parcel for the order straight in the table, as bookShipment would. */
async function shipmentFor(orderId: string) {
  const shipment = { carrier: 'swiftpost', trackingNumber: `SWI${uniqueTag()}` };
  await stack.db.insert(shipments).values({
    orderId,
    carrierId: shipment.carrier,
    service: 'standard',
    trackingNumber: shipment.trackingNumber,
    cost: 510,
    weightGrams: 200,
    volumeCm3: 500,
    eta: new Date(Date.now() + 3 * 86_400_000),
  });
  return shipment;
}

async function placedOrder(): Promise<string> {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]));
  expect(placed.statusCode).toBe(201);
  return placed.json().id;
}

/** The event ids of the shipmentEvent signals in the order's workflow history, oldest first. */
async function shipmentSignals(orderId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  // History holds payloads as the codec wrote them: encrypted.
  const [codec] = payloadDataConverter(stack.config.temporal).payloadCodecs;
  const signals = (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === 'shipmentEvent');
  const payloads = await codec!.decode(signals.map((signal) => signal!.input!.payloads![0]!));
  return payloads.map((payload) => (defaultPayloadConverter.fromPayload(payload) as { eventId: string }).eventId);
}

/** Waits until the history holds `count` shipment signals: the server buffers signals while a workflow task runs. */
async function waitForSignals(orderId: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let seen = await shipmentSignals(orderId);
  while (seen.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen = await shipmentSignals(orderId);
  }
  return seen;
}

const recorded = (eventId: string) =>
  stack.db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.source, 'carriers'), eq(webhookEvents.eventId, eventId)));

describe('POST /v1/webhooks/carriers', () => {
  it('signals a tracking event to the order once, however often the carrier sends it', async () => {
    const orderId = await placedOrder();
    const shipment = await shipmentFor(orderId);
    const id = `trk_${uniqueTag()}`;

    const first = await sendCarrierWebhook(stack.app, shipment, 'delivered', { id, detail: 'left with neighbour' });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ received: true, duplicate: false, outcome: 'delivered' });
    expect(await waitForSignals(orderId, 1)).toEqual([id]);
    expect(await recorded(id)).toEqual([
      expect.objectContaining({ orderId, outcome: 'delivered', deliveredAt: expect.any(Date) }),
    ]);

    const repeat = await sendCarrierWebhook(stack.app, shipment, 'delivered', { id, detail: 'left with neighbour' });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual({ received: true, duplicate: true, outcome: 'delivered' });
    // Signals keep their order in history: once a later event shows, a second copy would have too.
    const later = `trk_${uniqueTag()}`;
    expect((await sendCarrierWebhook(stack.app, shipment, 'exception', { id: later })).statusCode).toBe(202);
    expect(await waitForSignals(orderId, 2)).toEqual([id, later]);
  });

  it('delivers again an event recorded earlier but never delivered', async () => {
    const orderId = await placedOrder();
    const shipment = await shipmentFor(orderId);
    const id = `trk_${uniqueTag()}`;
    await stack.db.insert(webhookEvents).values({ source: 'carriers', eventId: id, orderId, payload: {} });

    const response = await sendCarrierWebhook(stack.app, shipment, 'picked_up', { id });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ received: true, duplicate: true, outcome: 'delivered' });
    expect(await waitForSignals(orderId, 1)).toEqual([id]);
    expect((await recorded(id))[0]!.deliveredAt).not.toBeNull();
  });

  it('keeps an event for an order whose workflow is gone as order_closed', async () => {
    const orderId = `ord_GONE${uniqueTag()}`;
    const [customer] = await stack.db.execute<{ id: string }>(sql`select id from customers limit 1`);
    await stack.db.insert(orders).values({
      id: orderId,
      status: 'completed',
      type: 'regular',
      channel: 'web',
      customerId: customer!.id,
      request: orderRequest([]),
      pricing: {} as never,
      total: 0,
      currency: 'EUR',
      requestHash: 'x',
    });
    const shipment = await shipmentFor(orderId);
    const response = await sendCarrierWebhook(stack.app, shipment, 'in_transit');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ received: true, duplicate: false, outcome: 'order_closed' });
  });

  it('refuses a bad signature and records nothing', async () => {
    const orderId = await placedOrder();
    const shipment = await shipmentFor(orderId);
    const id = `trk_${uniqueTag()}`;
    const forged = await sendCarrierWebhook(stack.app, shipment, 'delivered', { id }, 'not-the-secret');
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(forged.json()).toMatchObject({ type: '/problems/bad-signature', status: 401 });
    const unsigned = await stack.app.inject({
      method: 'POST',
      url: '/v1/webhooks/carriers',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(unsigned.statusCode).toBe(401);
    expect(await recorded(id)).toEqual([]);
    expect(await shipmentSignals(orderId)).toEqual([]);
  });

  it('answers 404 for a tracking number the carrier never had with us', async () => {
    const orderId = await placedOrder();
    const shipment = await shipmentFor(orderId);
    const unknown = await sendCarrierWebhook(
      stack.app,
      { carrier: 'swiftpost', trackingNumber: 'SWI-NOT-OURS' },
      'picked_up',
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/shipment-not-found', status: 404 });
    const otherCarrier = await sendCarrierWebhook(stack.app, { ...shipment, carrier: 'parcelnet' }, 'picked_up');
    expect(otherCarrier.statusCode).toBe(404);
  });

  it('refuses an unknown event type or a time without offset', async () => {
    const orderId = await placedOrder();
    const shipment = await shipmentFor(orderId);
    const badType = await sendCarrierWebhook(stack.app, shipment, 'teleported');
    expect(badType.statusCode).toBe(400);
    expect(badType.json().errors).toEqual([expect.objectContaining({ path: 'type' })]);
    const localTime = await sendCarrierWebhook(stack.app, shipment, 'picked_up', { occurredAt: '2026-03-03 10:00' });
    expect(localTime.statusCode).toBe(400);
  });
});
