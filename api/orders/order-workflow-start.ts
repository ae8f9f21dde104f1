import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { and, asc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { orders } from '../../db/schema.js';
import type { OrderWorkflowInput } from '../../workflows/messages.js';
import { orderWorkflow } from '../../workflows/order.js';
import { orderStartAttributes, orderWorkflowId } from '../../workflows/search-attributes.js';

/** What starting an order's workflow needs. */
export interface WorkflowStartDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
}

/**
 * Starts the workflow an order is owed, from the input kept on its row, and marks it started. Safe to
 * call any number of times, from any process: a running workflow is reused, and one that already ran
 * to its end is never started a second time (the id is rejected as a duplicate).
 */
export async function startOwedWorkflow(
  deps: WorkflowStartDeps,
  orderId: string,
  justRecorded?: OrderWorkflowInput,
): Promise<'started' | 'not_owed'> {
  const input = justRecorded ?? (await owedInput(deps.db, orderId));
  if (!input) return 'not_owed';
  try {
    await deps.temporal.workflow.start(orderWorkflow, {
      workflowId: orderWorkflowId(orderId),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...orderStartAttributes({
        orderId,
        type: input.type,
        channel: input.channel,
        customerId: input.customerId,
        total: input.pricing.total,
        currency: input.pricing.currency,
      }),
    });
  } catch (error) {
    // It ran and ended before we could note that it started: nothing is owed.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await deps.db
    .update(orders)
    .set({ workflowStartedAt: sql`now()` })
    .where(and(eq(orders.id, orderId), isNull(orders.workflowStartedAt)));
  return 'started';
}

/** The kept workflow input of an order whose start is still owed; undefined when it started or predates kept inputs. */
async function owedInput(db: Database, orderId: string): Promise<OrderWorkflowInput | undefined> {
  const [order] = await db
    .select({ input: orders.workflowInput, startedAt: orders.workflowStartedAt })
    .from(orders)
    .where(eq(orders.id, orderId));
  return order?.input && !order.startedAt ? (order.input as unknown as OrderWorkflowInput) : undefined;
}

/** Orders recorded at least `olderThanMs` ago whose workflow start was never confirmed, oldest first. */
export async function ordersOwedAWorkflow(db: Database, olderThanMs: number, limit = 100): Promise<string[]> {
  const rows = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        isNotNull(orders.workflowInput),
        isNull(orders.workflowStartedAt),
        lt(orders.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
      ),
    )
    .orderBy(asc(orders.createdAt), asc(orders.id))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** One sweep: starts every owed workflow it can; a failure leaves the order for the next sweep. */
export async function startOwedWorkflows(
  deps: WorkflowStartDeps,
  olderThanMs: number,
): Promise<{ started: string[]; failed: string[] }> {
  const started: string[] = [];
  const failed: string[] = [];
  for (const orderId of await ordersOwedAWorkflow(deps.db, olderThanMs)) {
    try {
      if ((await startOwedWorkflow(deps, orderId)) === 'started') started.push(orderId);
    } catch {
      failed.push(orderId);
    }
  }
  return { started, failed };
}
