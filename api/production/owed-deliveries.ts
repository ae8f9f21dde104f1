import type { Client } from '@temporalio/client';
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { inspections, productionEvents, productionJobs, warehouseEvents } from '../../db/schema.js';
import { deliverWarehouseEvent } from '../warehouse/warehouse-events.js';
import { deliverProductionEvent } from './job-events.js';
import { deliverInspection } from './job-inspections.js';

/** One recorded device event whose order was not told yet, and how to tell it. */
interface Owed {
  id: string;
  receivedAt: Date;
  deliver: () => Promise<boolean>;
}

/**
 * One sweep over factory events, inspections and warehouse scans recorded at least `olderThanMs` ago
 * that never reached their order (Temporal refused the signal, or the API stopped in between): each is
 * delivered now, oldest first, exactly as when it arrived. A failure leaves it for the next sweep; the
 * workflow ignores an event id it has seen, so a delivery that did land but was not marked is harmless.
 */
export async function deliverOwedShopFloorEvents(
  deps: { db: Database; temporal: Client },
  olderThanMs: number,
  limit = 100,
): Promise<{ delivered: string[]; failed: string[] }> {
  const { db } = deps;
  const before = sql`now() - make_interval(secs => ${olderThanMs / 1000})`;
  const events = await db
    .select({ event: productionEvents, orderId: productionJobs.orderId })
    .from(productionEvents)
    .innerJoin(productionJobs, eq(productionJobs.id, productionEvents.jobId))
    .where(and(isNull(productionEvents.deliveredAt), lt(productionEvents.receivedAt, before)))
    .orderBy(asc(productionEvents.receivedAt), asc(productionEvents.id))
    .limit(limit);
  const judged = await db
    .select({ inspection: inspections, orderId: productionJobs.orderId })
    .from(inspections)
    .innerJoin(productionJobs, eq(productionJobs.id, inspections.jobId))
    .where(and(isNull(inspections.deliveredAt), lt(inspections.at, before)))
    .orderBy(asc(inspections.at), asc(inspections.id))
    .limit(limit);
  const scans = await db
    .select()
    .from(warehouseEvents)
    .where(and(isNull(warehouseEvents.deliveredAt), lt(warehouseEvents.receivedAt, before)))
    .orderBy(asc(warehouseEvents.receivedAt), asc(warehouseEvents.id))
    .limit(limit);

  const owed: Owed[] = [
    ...events.map(({ event, orderId }) => ({
      id: event.id,
      receivedAt: event.receivedAt,
      deliver: () => deliverProductionEvent(deps, orderId, event),
    })),
    ...judged.map(({ inspection, orderId }) => ({
      id: inspection.id,
      receivedAt: inspection.at,
      deliver: () => deliverInspection(deps, orderId, inspection),
    })),
    ...scans.map((scan) => ({
      id: scan.id,
      receivedAt: scan.receivedAt,
      deliver: () => deliverWarehouseEvent(deps, scan),
    })),
  ];
  owed.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.id.localeCompare(b.id));

  const delivered: string[] = [];
  const failed: string[] = [];
  for (const item of owed.slice(0, limit)) {
    try {
      if (await item.deliver()) delivered.push(item.id);
      else failed.push(item.id);
    } catch {
      failed.push(item.id);
    }
  }
  return { delivered, failed };
}
