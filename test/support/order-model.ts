import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../../api/orders/place-order.js';

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
