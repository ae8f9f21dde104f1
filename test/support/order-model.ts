import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { defaultPricingRules } from '../../domain/pricing-rules.js';
import { createActivities, type OrderActivities } from '../../activities/index.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createSandboxCarrier } from '../../sandbox/carrier.js';
import { createSandboxNotifier } from '../../sandbox/notifier.js';
import { createSandboxPaymentBook } from '../../sandbox/payment-book.js';
import { createSandboxStaffNotifier } from '../../sandbox/staff-notifier.js';
import type { TestStack } from './stack.js';

/** Whether the order's workflow has nothing left to do right now: closed, or waiting on a timer or a message. */
async function isIdle(client: Client, orderId: string): Promise<{ idle: boolean; historyLength: number }> {
  const description = await client.workflow.getHandle(orderWorkflowId(orderId)).describe();
  const historyLength = description.historyLength;
  if (description.status.name !== 'RUNNING') return { idle: true, historyLength };
  // The server records a signal or a finished activity together with the workflow task it schedules,
  // so "no pending task and no pending activity" means every message sent so far has been handled.
  const { pendingActivities, pendingWorkflowTask } = description.raw;
  return { idle: (pendingActivities?.length ?? 0) === 0 && !pendingWorkflowTask, historyLength };
}

/**
 * Waits until every given order's workflow has handled everything sent to it (two idle looks in a row
 * with the same history length), so the read model in Postgres has caught up; no fixed sleeps.
 */
export async function waitUntilIdle(client: Client, orderIds: readonly string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const orderId of orderIds) {
    let previous = -1;
    for (;;) {
      const { idle, historyLength } = await isIdle(client, orderId);
      if (idle && historyLength === previous) break;
      previous = idle ? historyLength : -1;
      if (Date.now() > deadline) throw new Error(`order ${orderId} still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  }
}

/**
 * Starts a worker on the stack's task queue (instead of `stack.startWorker()`) whose `activity` waits until
 * `release()`: holds a workflow at one exact step so a message can be sent to it there.
 */
export async function startGatedWorker(stack: TestStack, activity: keyof OrderActivities) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { config } = stack;
  const activities = createActivities({
    db: stack.db,
    payments: createSandboxPaymentBook(stack.db, config.paymentWebhookSecret, {
      confirmRefundsAfterMs: config.sandbox.refundDelayMs,
    }).gateway,
    carriers: createSandboxCarrier({ secret: config.carrierWebhookSecret, dayMs: config.sandbox.carrierDayMs }).gateway,
    notifier: createSandboxNotifier(stack.db),
    staffNotifier: createSandboxStaffNotifier(stack.db),
    pricingRules: defaultPricingRules(config.currency),
  });
  const original = activities[activity] as (...args: unknown[]) => Promise<unknown>;
  const gated = {
    ...activities,
    [activity]: async (...args: unknown[]) => {
      await gate;
      return original(...args);
    },
  };
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: stack.taskQueue,
    activities: gated,
    dataConverter: payloadDataConverter(config.temporal),
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const done = worker.run();
  return {
    release,
    async stop() {
      release();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await connection.close();
    },
  };
}
