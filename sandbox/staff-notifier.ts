import type { Database } from '../db/client.js';
import { staffAlerts } from '../db/schema.js';
import type { StaffNotifier } from '../ports/staff-notifier.js';

/** A staff notifier that delivers into the `staff_alerts` table, which staff read through GET /v1/staff-alerts. */
export function createSandboxStaffNotifier(db: Database): StaffNotifier {
  return {
    async send(alert) {
      const inserted = await db
        .insert(staffAlerts)
        .values(alert)
        .onConflictDoNothing({ target: staffAlerts.dedupeKey })
        .returning({ id: staffAlerts.id });
      return { sent: inserted.length > 0 };
    },
  };
}
