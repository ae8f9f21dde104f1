import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { Problem } from '../problems.js';

/** The order's stage in the read model; 404 when there is no such order. */
export async function currentStatus(db: Database, orderId: string): Promise<string> {
  const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'order-not-found', 'Order not found', `There is no order ${orderId}.`);
  return order.status;
}

/** A retried support call carries the same Idempotency-Key: Temporal then answers it from the first call. */
function updateId(headers: Record<string, string | string[] | undefined>): { updateId?: string } {
  const key = headers['idempotency-key'];
  return typeof key === 'string' && /^[\w.:-]{8,200}$/.test(key) ? { updateId: `req-${key}` } : {};
}

/** Turns a workflow's answer of "no" into a problem: 422 for a request it cannot use, 409 with the reason for a refusal; anything else is rethrown. */
export function refusalProblem(error: unknown, status: string): Problem {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    if (error.cause.type === 'InvalidRequest') return new Problem(422, 'unprocessable-action', 'The order cannot use this request', error.cause.message, undefined, { reason: error.cause.type, orderStatus: status });
    return new Problem(409, 'action-refused', 'The order refused this action', error.cause.message, undefined, { reason: error.cause.type, orderStatus: status });
  }
  if (error instanceof WorkflowNotFoundError) return new Problem(409, 'action-refused', 'The order refused this action', `order is ${status} and no longer running`, undefined, { orderStatus: status });
  throw error;
}

/** Sends a support request to the order's workflow and waits for its answer; a refusal becomes a problem with the reason. */
export async function askOrder<Ret, Arg>(
  temporal: Client,
  orderId: string,
  status: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  headers: Record<string, string | string[] | undefined>,
): Promise<Ret> {
  try {
    return await temporal.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(update, { args: [arg], ...updateId(headers) });
  } catch (error) {
    throw refusalProblem(error, status);
  }
}
