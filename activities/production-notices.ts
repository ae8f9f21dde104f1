import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, asc, eq, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { productionNotices } from '../db/schema.js';
import { productionNewsSignal } from '../workflows/messages.js';
import { orderWorkflowId } from '../workflows/search-attributes.js';

/** Which owed notices to deliver: those of one plan change, those an order's planning wrote, or all older than some age. */
export type NoticeSelection =
  { eventIds: readonly string[] } | { actingOrderId: string } | { olderThanMs: number; limit: number };

/**
 * Tells each moved order its new dates (`productionNews`, kind `replanned`) for the owed notices
 * selected, oldest first, and marks each delivered; an order whose workflow ended has nobody to tell.
 * A notice Temporal refused stays owed for the API's sweep. Returns the orders told and those not.
 */
export async function deliverProductionNotices(
  db: Database,
  temporal: Pick<Client, 'workflow'>,
  selection: NoticeSelection,
): Promise<{ delivered: string[]; owed: string[] }> {
  const owed = await db
    .select()
    .from(productionNotices)
    .where(and(isNull(productionNotices.deliveredAt), selected(selection)))
    .orderBy(asc(productionNotices.createdAt), asc(productionNotices.eventId))
    .limit('limit' in selection ? selection.limit : 1_000);
  const outcome = { delivered: [] as string[], owed: [] as string[] };
  for (const { eventId, orderId, reason, notice } of owed) {
    try {
      await temporal.workflow
        .getHandle(orderWorkflowId(orderId))
        .signal(productionNewsSignal, { ...notice, eventId, reason, kind: 'replanned' });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) {
        outcome.owed.push(orderId);
        continue;
      }
    }
    await db
      .update(productionNotices)
      .set({ deliveredAt: new Date() })
      .where(and(eq(productionNotices.eventId, eventId), isNull(productionNotices.deliveredAt)));
    outcome.delivered.push(orderId);
  }
  return outcome;
}

function selected(selection: NoticeSelection): SQL | undefined {
  if ('eventIds' in selection)
    return selection.eventIds.length > 0
      ? inArray(productionNotices.eventId, [...selection.eventIds])
      : eq(productionNotices.eventId, '');
  if ('actingOrderId' in selection) return eq(productionNotices.actingOrderId, selection.actingOrderId);
  return lt(productionNotices.createdAt, new Date(Date.now() - selection.olderThanMs));
}

/**
 * Wraps an order's planning changes: each runs, then the orders it moved are told at once (with the
 * given client, else the worker's own inside an activity); notices not delivered stay for the sweep.
 */
export function tellingMovedOrders(db: Database, temporal: Pick<Client, 'workflow'> | undefined) {
  return async <T>(orderId: string, change: () => Promise<T>): Promise<T> => {
    const result = await change();
    const client = temporal ?? activityClient();
    if (client) await deliverProductionNotices(db, client, { actingOrderId: orderId });
    return result;
  };
}

/** The worker's Temporal client inside an activity; none when planning runs outside one (its notices then wait for the sweep). */
export function activityClient(): Pick<Client, 'workflow'> | undefined {
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}
