import type { Client } from '@temporalio/client';
import { deliverProductionNotices } from '../../activities/production-notices.js';
import type { Database } from '../../db/client.js';
import type { ReplannedOrder } from '../../domain/production.js';

/**
 * Tells each order a plan change moved its new dates, from the notices the change wrote with it (one
 * event id per change and order). An order whose workflow has ended has nobody to tell. Returns the
 * orders told and those that could not be reached now: their notices stay owed for the API's sweep.
 */
export async function tellReplanned(
  db: Database,
  temporal: Pick<Client, 'workflow'>,
  replanned: readonly ReplannedOrder[],
): Promise<{ told: string[]; unreachable: string[] }> {
  const { delivered, owed } = await deliverProductionNotices(db, temporal, {
    eventIds: replanned.map((order) => order.eventId),
  });
  return { told: delivered, unreachable: owed };
}
