import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../../workflows/search-attributes.js';

/** Resolves once `moment` (an ISO time or epoch milliseconds a workflow announced as a deadline) has passed. */
export async function waitUntil(moment: string | number): Promise<void> {
  const at = typeof moment === 'string' ? Date.parse(moment) : moment;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now() + 1)));
}

/**
 * Polls the order's workflow history until `count` of its timers have fired: proof the workflow has seen
 * those deadlines pass, not only the wall clock (a timer fires a moment after its time).
 */
export async function waitForFiredTimers(client: Client, orderId: string, count: number, timeoutMs = 20_000) {
  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { events } = await handle.fetchHistory();
    const fired = (events ?? []).filter((event) => event.timerFiredEventAttributes).length;
    if (fired >= count) return;
    if (Date.now() > deadline) throw new Error(`order ${orderId}: ${fired} of ${count} timers fired`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
