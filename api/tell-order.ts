import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { orderWorkflowId } from '../workflows/search-attributes.js';

/**
 * Signals one fact to an order's workflow. True when it was told, or when the workflow has ended or
 * never ran (nothing left to tell); false when Temporal did not take the signal, so it is still owed.
 */
export async function tellOrder<Args extends unknown[]>(
  temporal: Client,
  orderId: string,
  signal: SignalDefinition<Args>,
  args: Args,
  onRefused?: (error: unknown) => void,
): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(orderWorkflowId(orderId)).signal(signal, ...args);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return true;
    onRefused?.(error);
    return false;
  }
}
