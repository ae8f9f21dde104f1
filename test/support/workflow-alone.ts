import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig } from '../../config/env.js';
import type { PricedLine } from '../../domain/order-lines.js';
import type { OrderType } from '../../domain/order-schema.js';
import type { OrderPolicy } from '../../domain/policy.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import type { OrderWorkflowInput } from '../../workflows/messages.js';
import type { orderWorkflow } from '../../workflows/order.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createFakeActivities, type FakeWorld } from './fake-activities.js';

/** What an order started on its own costs: one unit at this price. */
export const TOTAL = 1_000;

/** What a workflow-alone order may differ in from the plain one. */
export interface AloneOrderOptions {
  type?: OrderType;
  review?: boolean;
  backorderOf?: string;
  madeToOrder?: boolean;
  requestedDeliveryBy?: string;
  world?: Partial<FakeWorld>;
  policy?: Partial<OrderPolicy>;
}

/**
 * The order workflow alone on the real dev server, with in-memory activities that answer at once:
 * registers the worker for the test file and returns how to start orders against it with `policy`.
 */
export function useWorkflowAlone(policy: OrderPolicy) {
  const { activities, worldOf } = createFakeActivities();
  const taskQueue = `workflow-alone-${randomUUID()}`;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    const { temporal } = loadConfig({ NODE_ENV: 'test' });
    const dataConverter = payloadDataConverter(temporal);
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
      taskQueue,
      activities,
      dataConverter,
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    running = worker.run();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, dataConverter });
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  /** Starts an order's workflow; `world` sets what the outside world answers. */
  async function startOrder(options: AloneOrderOptions = {}) {
    const orderId = `wf-${randomUUID()}`;
    Object.assign(worldOf(orderId), options.world);
    const sku = options.madeToOrder ? 'MADE-SKU' : 'STAGE-SKU';
    const line: PricedLine = {
      lineNo: 1,
      sku,
      quantity: 1,
      madeToOrder: options.madeToOrder ?? false,
      unitPrice: TOTAL,
    };
    const input: OrderWorkflowInput = {
      orderId,
      placedAt: new Date().toISOString(),
      type: options.type ?? (options.madeToOrder ? 'custom' : 'regular'),
      channel: 'web',
      customerId: 'C-ALONE',
      paymentMethod: 'card',
      lines: [line],
      pricing: {
        currency: 'EUR',
        lines: [{ sku, quantity: 1, unitPrice: TOTAL, lineTotal: TOTAL }],
        subtotal: TOTAL,
        discounts: [],
        shipping: 0,
        tax: 0,
        total: TOTAL,
        pointsRedeemed: 0,
        pointsEarned: 0,
      },
      review: options.review ? { required: true, reasons: ['large_order'] } : { required: false, reasons: [] },
      requestedDeliveryBy: options.requestedDeliveryBy,
      policy: { ...policy, ...options.policy },
      backorderOf: options.backorderOf,
    };
    const handle = await client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
      taskQueue,
      workflowId: orderWorkflowId(orderId),
      args: [input],
    });
    return { orderId, handle, world: worldOf(orderId) };
  }

  return { startOrder };
}

/** The provider's capture of the order's total, as the payment webhook forwards it. */
export function capture(orderId: string) {
  return {
    eventId: `evt_${randomUUID()}`,
    type: 'payment.succeeded' as const,
    paymentIntentId: `pi_${orderId}_order`,
    transactionId: `txn_${randomUUID()}`,
    amount: TOTAL,
    currency: 'EUR',
    occurredAt: new Date().toISOString(),
  };
}

/** A carrier's tracking event for the order's parcel. */
export function tracking(orderId: string, type: 'picked_up' | 'in_transit' | 'delivered') {
  return {
    eventId: `trk_${randomUUID()}`,
    trackingNumber: `TRK-${orderId}`,
    type,
    occurredAt: new Date().toISOString(),
  };
}

/** The calls the order made to one activity, in order. */
export const called = (world: FakeWorld, name: FakeWorld['calls'][number]['name']) =>
  world.calls.filter((call) => call.name === name);

/** The names of the order's timeline entries, in order. */
export const timelineNames = (world: FakeWorld) =>
  called(world, 'recordOrderProgress').map((call) => (call.input as { name: string }).name);
