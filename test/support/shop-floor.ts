import { defaultPayloadConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { buildApp } from '../../api/app.js';
import { productionJobs } from '../../db/schema.js';
import type { ProductionJobStatus } from '../../domain/production.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { uniqueTag } from './fixtures.js';
import { insertOrderRow } from './order-rows.js';
import type { TestStack } from './stack.js';

/** An order row of this test's own with no workflow behind it (status and type as a custom order in production). */
export const insertOrder = (stack: TestStack) => insertOrderRow(stack.db);

/** A production job for the order straight in the table, as planning would write it. */
export async function insertJob(
  stack: TestStack,
  job: { orderId: string; sku: string; workCentreId: string; status?: ProductionJobStatus },
): Promise<string> {
  const id = `job_${uniqueTag()}`;
  const now = new Date();
  await stack.db.insert(productionJobs).values({
    id,
    orderId: job.orderId,
    lineNo: 1,
    sku: job.sku,
    quantity: 1,
    workCentreId: job.workCentreId,
    status: job.status ?? 'in_progress',
    sequence: 1,
    minutes: 60,
    materialReadyAt: now,
    plannedStart: now,
    plannedEnd: new Date(now.getTime() + 3_600_000),
  });
  return id;
}

/** The decoded payloads of the signals named `name` in the order's workflow history, oldest first. */
export async function signalsTo(stack: TestStack, orderId: string, name: string): Promise<unknown[]> {
  const history = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  // History holds payloads as the codec wrote them: encrypted.
  const [codec] = payloadDataConverter(stack.config.temporal).payloadCodecs;
  const signals = (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === name);
  const payloads = await codec!.decode(signals.map((signal) => signal!.input!.payloads![0]!));
  return payloads.map((payload) => defaultPayloadConverter.fromPayload(payload));
}

/** Polls until the order's history holds exactly `expected` signals named `name` (the server buffers them briefly). */
export async function expectSignals(stack: TestStack, orderId: string, name: string, expected: unknown[]) {
  await expect.poll(() => signalsTo(stack, orderId, name), { timeout: 10_000, interval: 100 }).toEqual(expected);
}

/** The API on a Temporal client that refuses every signal, as when the workflow service is away. */
export async function appRefusingSignals(stack: TestStack) {
  const client = new Client({
    connection: stack.client.connection,
    namespace: stack.config.temporal.namespace,
    dataConverter: payloadDataConverter(stack.config.temporal),
  });
  const getHandle = client.workflow.getHandle.bind(client.workflow);
  client.workflow.getHandle = ((...args: Parameters<typeof getHandle>) => {
    const handle = getHandle(...args);
    handle.signal = async () => {
      throw new Error('14 UNAVAILABLE: injected by the test');
    };
    return handle;
  }) as typeof getHandle;
  return buildApp({ config: stack.config, db: stack.db, temporal: client });
}
