import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ReplannedOrder } from '../../domain/production.js';
import { productionNewsSignal } from '../../workflows/messages.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';

/** Why a plan change moved orders, as their workflows record it. */
export type ReplanReason = 'capacity_changed' | 'resequenced' | 'material_arrived';

/**
 * Tells each replanned order's workflow its new dates (`productionNews`, kind `replanned`), one event id
 * per replan and order. An order whose workflow has ended has nobody to tell. Returns the orders told
 * and those that could not be reached (the workflow service failed): the plan change stands either way.
 */
export async function tellReplanned(
  temporal: Pick<Client, 'workflow'>,
  replanned: readonly ReplannedOrder[],
  reason: ReplanReason,
): Promise<{ told: string[]; unreachable: string[] }> {
  const replanId = randomUUID();
  const told: string[] = [];
  const unreachable: string[] = [];
  for (const { orderId, ...dates } of replanned) {
    try {
      await temporal.workflow.getHandle(orderWorkflowId(orderId)).signal(productionNewsSignal, {
        eventId: `replanned-${replanId}-${orderId}`,
        kind: 'replanned',
        reason,
        ...dates,
      });
      told.push(orderId);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) unreachable.push(orderId);
    }
  }
  return { told, unreachable };
}
