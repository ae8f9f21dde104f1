import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { orderFlagSignal, type OrderFlag } from '../workflows/messages.js';
import { orderWorkflowId } from '../workflows/search-attributes.js';

/** A flag to raise on an order from outside its workflow. */
export type OrderFlagRequest = Omit<OrderFlag, 'eventId'> & { orderId: string };

/**
 * Raises a flag on an order from outside its workflow, once per flag and transaction: the running
 * workflow records it (timeline, `Flagged` in Temporal UI, staff alert); an ended one is flagged by
 * `flagEnded` (a timeline entry after its last one). Answers how it was raised.
 */
export async function raiseOrderFlag(
  temporal: Pick<Client, 'workflow'>,
  flagEnded: (request: OrderFlagRequest) => Promise<{ flagged: boolean }>,
  request: OrderFlagRequest,
): Promise<'signalled' | 'flagged_ended_order'> {
  const { orderId, ...flag } = request;
  try {
    await temporal.workflow
      .getHandle(orderWorkflowId(orderId))
      .signal(orderFlagSignal, { eventId: `${flag.flag}:${flag.detail.transactionId}`, ...flag });
    return 'signalled';
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    await flagEnded(request);
    return 'flagged_ended_order';
  }
}
