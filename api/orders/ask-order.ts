import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders, supportRequests } from '../../db/schema.js';
import type { Caller } from '../../domain/caller.js';
import { FailureType } from '../../domain/failure-types.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { claimIdempotencyKey, idempotencyKeyOf } from '../idempotency.js';
import { Problem } from '../problems.js';
import { orderNotFound, visibleOrder } from './order-access.js';

/** The order's stage in the read model; 404 when there is no such order. */
export async function currentStatus(db: Database, orderId: string): Promise<string> {
  const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  if (!order) throw orderNotFound(orderId);
  return order.status;
}

/** Turns a workflow's answer of "no" into a problem: 422 for a request it cannot use, 409 with the reason for a refusal; anything else is rethrown. */
export function refusalProblem(error: unknown, status: string): Problem {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    if (error.cause.type === FailureType.InvalidRequest)
      return new Problem(
        422,
        'unprocessable-action',
        'The order cannot use this request',
        error.cause.message,
        undefined,
        { reason: error.cause.type, orderStatus: status },
      );
    return new Problem(409, 'action-refused', 'The order refused this action', error.cause.message, undefined, {
      reason: error.cause.type,
      orderStatus: status,
    });
  }
  if (error instanceof WorkflowNotFoundError)
    return new Problem(
      409,
      'action-refused',
      'The order refused this action',
      `order is ${status} and no longer running`,
      undefined,
      { orderStatus: status },
    );
  throw error;
}

/** A support or service request to one order: the update it sends, who asks and why. */
export interface OrderRequest<Ret, Arg> {
  orderId: string;
  action: string;
  /** The calling key: it must see the order, and its name is the actor of record. */
  caller: Caller;
  /** Who the body says asks (`requestedBy`, `confirmedBy`): kept as a note. */
  requestedBy?: string | undefined;
  reason?: string | undefined;
  update: UpdateDefinition<Ret, [Arg]>;
  arg: Arg;
  headers: Record<string, string | string[] | undefined>;
  /** The order's stage, when the caller already read it. */
  status?: string | undefined;
}

/** Ties the request's Idempotency-Key (if any) to this action, order and body; reuse for another is a 422. Asking twice is harmless. */
export async function claimRequestKey<Ret, Arg>(
  db: Database,
  request: OrderRequest<Ret, Arg>,
): Promise<string | undefined> {
  const key = idempotencyKeyOf(request.headers);
  if (key)
    await claimIdempotencyKey(db, request.caller, key, request.action, {
      orderId: request.orderId,
      arg: request.arg,
      requestedBy: request.requestedBy,
      reason: request.reason,
    });
  return key;
}

/**
 * Sends a request to the order's workflow and waits for its answer; a refusal becomes a problem with
 * the reason. Either way the request and its answer are kept in `support_requests`. An order the caller
 * may not see is a 404. The Idempotency-Key is the caller's: a retried call with the same key, action
 * and body becomes the same Temporal update, so it gets the first call's answer; the key with another
 * action or body is a 422.
 */
export async function askOrder<Ret, Arg>(
  deps: { db: Database; temporal: Client },
  request: OrderRequest<Ret, Arg>,
): Promise<Ret> {
  const { db, temporal } = deps;
  const { caller } = request;
  const status = request.status ?? (await visibleOrder(db, caller, request.orderId)).status;
  const key = await claimRequestKey(db, request);
  const keep = (outcome: 'accepted' | 'refused' | 'rejected', answer: Record<string, unknown>) =>
    db
      .insert(supportRequests)
      .values({
        orderId: request.orderId,
        action: request.action,
        actor: caller.name,
        requestedBy: request.requestedBy ?? null,
        reason: request.reason ?? null,
        status,
        outcome,
        answer,
        idempotencyKey: key ? `${caller.name}:${key}` : null,
      })
      .onConflictDoNothing();
  let answer: Ret;
  try {
    answer = await temporal.workflow.getHandle(orderWorkflowId(request.orderId)).executeUpdate(request.update, {
      args: [request.arg],
      ...(key ? { updateId: `req-${caller.name}:${key}` } : {}),
    });
  } catch (error) {
    const problem = refusalProblem(error, status);
    await keep(problem.status === 422 ? 'rejected' : 'refused', {
      detail: problem.detail ?? problem.title,
      ...problem.extra,
    });
    throw problem;
  }
  await keep('accepted', answer as Record<string, unknown>);
  return answer;
}
