import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { staffAlerts } from '../../db/schema.js';
import type { StaffAlertKind } from '../../domain/staff-alerts.js';

type StaffAlertRow = typeof staffAlerts.$inferSelect;

/** A staff alert as the API shows it. */
export function staffAlertView(row: StaffAlertRow) {
  return {
    id: row.id,
    kind: row.kind,
    orderId: row.orderId,
    subject: row.subject,
    detail: row.detail,
    dedupeKey: row.dedupeKey,
    sentAt: row.sentAt.toISOString(),
  };
}

/** One page of staff alerts, newest first, keyset-paginated by id; `afterId` continues after the last one seen. */
export async function listStaffAlerts(
  db: Database,
  query: {
    kind?: StaffAlertKind | undefined;
    orderId?: string | undefined;
    limit: number;
    afterId?: number | undefined;
  },
) {
  const conditions: SQL[] = [];
  if (query.kind) conditions.push(eq(staffAlerts.kind, query.kind));
  if (query.orderId) conditions.push(eq(staffAlerts.orderId, query.orderId));
  if (query.afterId) conditions.push(lt(staffAlerts.id, query.afterId));
  const rows = await db
    .select()
    .from(staffAlerts)
    .where(and(...conditions))
    .orderBy(desc(staffAlerts.id))
    // One row more than asked tells whether another page follows, without a count.
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { items: page.map(staffAlertView), lastId: rows.length > query.limit ? page.at(-1)!.id : null };
}
