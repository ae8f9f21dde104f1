import type { Database } from '../../db/client.js';
import type { StaffNotifier } from '../../ports/staff-notifier.js';
import { findOverdueWaits } from './overdue-waits.js';

/** Alerts staff once per order and wait that has lasted longer than `waitAfterMs`; the dedupe key names the wait. */
export async function alertOverdueWaits(
  deps: { db: Database; staffNotifier: StaffNotifier },
  waitAfterMs: number,
): Promise<{ sent: string[] }> {
  const waits = await findOverdueWaits(deps.db, { enteredBefore: new Date(Date.now() - waitAfterMs), limit: 500 });
  const sent: string[] = [];
  for (const wait of waits) {
    const result = await deps.staffNotifier.send({
      dedupeKey: `wait:${wait.orderId}:${wait.status}:${wait.enteredAt}`,
      kind: 'wait_overdue',
      orderId: wait.orderId,
      subject: `Order ${wait.orderId} has been ${wait.status} since ${wait.enteredAt}`,
      detail: { status: wait.status, enteredAt: wait.enteredAt, waitAfterMs },
    });
    if (result.sent) sent.push(wait.orderId);
  }
  return { sent };
}
