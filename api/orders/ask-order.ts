import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders, supportRequests } from '../../db/schema.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { Problem } from '../problems.js';

/** The order's stage in the read model; 404 when there is no such order. */
export async function currentStatus(db: Database, orderId: string): Promise<string> {
  const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw new Problem(404, 'order-not-found', 'Order not found', `There is no order ${orderId}.`);
  return order.status;
}

/** The caller's Idempotency-Key when it is usable as a Temporal update id. */
function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  return typeof key === 'string' && /^[\w.:-]{8,200}$/.test(key) ? key : undefined;
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

/** A support or service request to one order: the update it sends, who asks and why. */
export interface OrderRequest<Ret, Arg> {
  orderId: string;
  action: string;
  actor: string;
  reason?: string | undefined;
  update: UpdateDefinition<Ret, [Arg]>;
  arg: Arg;
  headers: Record<string, string | string[] | undefined>;
  /** The order's stage, when the caller already read it. */
  status?: string | undefined;
}

/**
 * Sends a request to the order's workflow and waits for its answer; a refusal becomes a problem with
 * the reason. Either way the request and its answer are kept in `support_requests`. A retried call with
 * the same Idempotency-Key becomes the same Temporal update, so it gets the first call's answer.
 */
export async function askOrder<Ret, Arg>(deps: { db: Database; temporal: Client }, request: OrderRequest<Ret, Arg>): Promise<Ret> {
  const { db, temporal } = deps;
  const status = request.status ?? (await currentStatus(db, request.orderId));
  const key = idempotencyKey(request.headers);
  const keep = (outcome: 'accepted' | 'refused' | 'rejected', answer: Record<string, unknown>) =>
    db
      .insert(supportRequests)
      .values({ orderId: request.orderId, action: request.action, actor: request.actor, reason: request.reason ?? null, status, outcome, answer, idempotencyKey: key ?? null })
      .onConflictDoNothing();
  let answer: Ret;
  try {
    answer = await temporal.workflow.getHandle(orderWorkflowId(request.orderId)).executeUpdate(request.update, { args: [request.arg], ...(key ? { updateId: `req-${key}` } : {}) });
  } catch (error) {
    const problem = refusalProblem(error, status);
    await keep(problem.status === 422 ? 'rejected' : 'refused', { detail: problem.detail ?? problem.title, ...problem.extra });
    throw problem;
  }
  await keep('accepted', answer as Record<string, unknown>);
  return answer;
}
