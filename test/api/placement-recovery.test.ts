import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { and } from 'drizzle-orm';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { ordersOwedAWorkflow, startOwedWorkflows } from '../../api/orders/order-workflow-start.js';
import { deliverOwedWebhooks } from '../../api/webhooks/deliveries.js';
import { customers, orders, payments, stockLots, webhookEvents } from '../../db/schema.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asSupport, getOrder, postOrder, sendPaymentWebhook, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
/** How the next workflow start behaves: refused outright, or made while its answer is lost on the way back. */
let startFault: 'none' | 'refused' | 'answer_lost' = 'none';
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  const client = new Client({
    connection: stack.client.connection,
    namespace: stack.config.temporal.namespace,
    dataConverter: payloadDataConverter(stack.config.temporal),
  });
  const start = client.workflow.start.bind(client.workflow);
  client.workflow.start = (async (...args: Parameters<typeof start>) => {
    if (startFault === 'refused') throw new Error('14 UNAVAILABLE: injected by the test');
    const handle = await start(...args);
    if (startFault === 'answer_lost') throw new Error('4 DEADLINE_EXCEEDED: injected by the test after the start');
    return handle;
  }) as typeof start;
  app = await buildApp({ config: stack.config, db: stack.db, temporal: client });
});
afterAll(async () => {
  await app.close();
  await stack.close();
});

/** POST /v1/orders while the workflow start behaves as `fault` says; later starts behave again. */
async function placeWhileStart(fault: typeof startFault, body: object, headers: Record<string, string> = {}) {
  startFault = fault;
  try {
    return await postOrder(app, body, headers);
  } finally {
    startFault = 'none';
  }
}

const sweep = () => startOwedWorkflows({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue }, 0);
const reservedOf = async (sku: string) =>
  (await stack.db.select().from(stockLots).where(eq(stockLots.sku, sku)))[0]!.reserved;
const startedAt = async (orderId: string) =>
  (await stack.db.select({ at: orders.workflowStartedAt }).from(orders).where(eq(orders.id, orderId)))[0]!.at;

describe('placement when the workflow start fails', () => {
  it('keeps the order (202) and a repeat with the same Idempotency-Key starts its workflow', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const body = orderRequest([{ sku, quantity: 2 }]);
    const key = `recover-${uniqueTag()}`;
    const first = await placeWhileStart('refused', body, { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const orderId = first.json().id as string;
    expect(first.json().status).toBe('received');
    expect(await startedAt(orderId)).toBeNull();
    await expect(stack.client.workflow.getHandle(orderWorkflowId(orderId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const repeat = await postOrder(app, body, { 'idempotency-key': key });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().id).toBe(orderId);
    await waitForStatus(app, orderId, 'awaiting_payment');
    expect(await startedAt(orderId)).not.toBeNull();
    expect(await reservedOf(sku)).toBe(2);
  });

  it('is made up for by the sweep when nobody repeats the request; points are debited once and never lost', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const email = `sweep-${uniqueTag().toLowerCase()}@example.com`;
    const customerId = `cus_${uniqueTag()}`;
    await stack.db.insert(customers).values({
      id: customerId,
      name: 'Sweep Buyer',
      email,
      phone: '+49 30 1111111',
      memberLevel: 'standard',
      points: 100,
    });
    const placed = await placeWhileStart(
      'refused',
      orderRequest([{ sku, quantity: 1 }], {
        customer: { id: customerId, name: 'Sweep Buyer', email, phone: '+49 30 1111111' },
        pointsToRedeem: 50,
      }),
    );
    expect(placed.statusCode).toBe(202);
    const orderId = placed.json().id as string;
    expect(await ordersOwedAWorkflow(stack.db, 0)).toContain(orderId);

    expect((await sweep()).started).toContain(orderId);
    await waitForStatus(app, orderId, 'awaiting_payment');
    expect(await ordersOwedAWorkflow(stack.db, 0)).not.toContain(orderId);
    expect((await stack.db.select().from(customers).where(eq(customers.id, customerId)))[0]!.points).toBe(50);
  });

  it('never starts a second run when the first start happened but its answer was lost', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const placed = await placeWhileStart('answer_lost', orderRequest([{ sku, quantity: 3 }]));
    expect(placed.statusCode).toBe(202);
    const orderId = placed.json().id as string;
    await waitForStatus(app, orderId, 'awaiting_payment');
    const handle = stack.client.workflow.getHandle(orderWorkflowId(orderId));
    const { runId } = await handle.describe();

    expect((await sweep()).started).toContain(orderId);
    expect((await handle.describe()).runId).toBe(runId);
    expect(await reservedOf(sku)).toBe(3);
  });

  it('never starts an ended order again, even when its start was never noted', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const placed = await postOrder(app, orderRequest([{ sku, quantity: 1 }]));
    expect(placed.statusCode).toBe(201);
    const orderId = placed.json().id as string;
    await waitForStatus(app, orderId, 'awaiting_payment');
    const cancel = await app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/cancel`,
      headers: asSupport,
      payload: { reason: 'test', requestedBy: 'sam' },
    });
    expect(cancel.statusCode).toBe(200);
    const handle = stack.client.workflow.getHandle(orderWorkflowId(orderId));
    await handle.result();
    const { runId } = await handle.describe();
    await stack.db.update(orders).set({ workflowStartedAt: null }).where(eq(orders.id, orderId));

    expect((await sweep()).started).toContain(orderId);
    expect((await handle.describe()).runId).toBe(runId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await reservedOf(sku)).toBe(0);
  });
});

describe('webhook events the API recorded but could not deliver', () => {
  it('are delivered by the sweep, once', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const placed = await postOrder(app, orderRequest([{ sku, quantity: 1 }]));
    const order = await waitForStatus(app, placed.json().id, 'awaiting_payment');
    // As if the API stopped right after recording the provider's event: recorded, never signalled.
    const eventId = `evt_${uniqueTag()}`;
    const payload = {
      id: eventId,
      type: 'payment.succeeded',
      orderId: order.id,
      paymentIntentId: order.payment.intentId,
      transactionId: `txn_${uniqueTag()}`,
      amount: order.pricing.total,
      currency: 'EUR',
      occurredAt: new Date().toISOString(),
    };
    await stack.db.insert(webhookEvents).values({ source: 'payments', eventId, orderId: order.id, payload });

    expect(
      (await deliverOwedWebhooks({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue }, 0)).delivered,
    ).toContain(eventId);
    await waitForStatus(app, order.id, 'ready_to_ship');
    const [row] = await stack.db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.source, 'payments'), eq(webhookEvents.eventId, eventId)));
    expect(row).toMatchObject({ outcome: 'delivered', deliveredAt: expect.any(Date) });
    expect(
      (await deliverOwedWebhooks({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue }, 0)).delivered,
    ).not.toContain(eventId);
    expect((await stack.db.select().from(payments).where(eq(payments.orderId, order.id))).map((p) => p.kind)).toEqual([
      'capture',
    ]);
  });

  it('a payment for an order whose workflow start is still owed starts the order, and is not refunded as a late one', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const placed = await placeWhileStart('refused', orderRequest([{ sku, quantity: 1 }]));
    expect(placed.statusCode).toBe(202);
    const order = placed.json();

    const paid = await sendPaymentWebhook(app, {
      ...order,
      payment: { ...order.payment, intentId: 'pi_sbx_before_start' },
    });
    expect(paid.json()).toMatchObject({ outcome: 'delivered' });
    await waitForStatus(app, order.id, 'awaiting_payment');
    // The payment named another intent than the one the order then opened: flagged for a person, not kept silently, and not refunded as late.
    await expect.poll(async () => (await getOrder(app, order.id)).flags).toContain('payment_for_unknown_intent');
    expect(
      (await stack.db.select().from(payments).where(eq(payments.orderId, order.id))).filter((p) => p.kind === 'refund'),
    ).toEqual([]);
  });
});
