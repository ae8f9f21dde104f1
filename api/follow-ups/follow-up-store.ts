import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { followUps } from '../../db/schema.js';
import { refusedFollowUpChange, type FollowUpStatus } from '../../domain/follow-ups.js';

type FollowUpRow = typeof followUps.$inferSelect;

/** A follow-up as the API shows it. */
export function followUpView(row: FollowUpRow) {
  return {
    id: row.id,
    orderId: row.orderId,
    reason: row.reason,
    ratings: row.ratings,
    comment: row.comment,
    status: row.status,
    owner: row.owner,
    note: row.note,
    updatedBy: row.updatedBy,
    openedAt: row.openedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

/** One page of follow-ups, newest first, keyset-paginated by id; `afterId` continues after the last one seen. */
export async function listFollowUps(
  db: Database,
  query: { status?: FollowUpStatus | undefined; limit: number; afterId?: number | undefined },
) {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(eq(followUps.status, query.status));
  if (query.afterId) conditions.push(lt(followUps.id, query.afterId));
  const rows = await db
    .select()
    .from(followUps)
    .where(and(...conditions))
    .orderBy(desc(followUps.id))
    // One row more than asked tells whether another page follows, without a count.
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { items: page.map(followUpView), lastId: rows.length > query.limit ? page.at(-1)!.id : null };
}

/** What a caller asks of a follow-up: its new status, and optionally who owns it and a note. */
export interface FollowUpChange {
  status: FollowUpStatus;
  owner?: string | undefined;
  note?: string | undefined;
}

/** The outcome of a change: the follow-up after it, or why there is none. */
export type ChangeOutcome =
  | { kind: 'changed'; followUp: ReturnType<typeof followUpView> }
  | { kind: 'not_found' }
  | { kind: 'refused'; reason: string };

/** Applies a change under a row lock, keeping who made it; a change that changes nothing writes nothing. */
export async function changeFollowUp(
  db: Database,
  id: number,
  change: FollowUpChange,
  by: string,
): Promise<ChangeOutcome> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(followUps).where(eq(followUps.id, id)).for('update');
    if (!current) return { kind: 'not_found' };
    const owner = change.owner ?? current.owner;
    const note = change.note ?? current.note;
    const refusal = refusedFollowUpChange(current.status, change.status, owner);
    if (refusal) return { kind: 'refused', reason: refusal };
    if (change.status === current.status && owner === current.owner && note === current.note)
      return { kind: 'changed', followUp: followUpView(current) };
    const now = new Date();
    const [updated] = await tx
      .update(followUps)
      .set({
        status: change.status,
        owner,
        note,
        updatedBy: by,
        updatedAt: now,
        // Resolved is final: the first resolution's time stays.
        resolvedAt: change.status === 'resolved' ? (current.resolvedAt ?? now) : null,
      })
      .where(eq(followUps.id, id))
      .returning();
    return { kind: 'changed', followUp: followUpView(updated!) };
  });
}
