import type { Database } from '../db/client.js';
import { notifications } from '../db/schema.js';
import type { Notifier } from '../ports/notifier.js';

/** A notifier that delivers into the `notifications` table: an outbox you can read in the demo and tests. */
export function createSandboxNotifier(db: Database): Notifier {
  return {
    async send(notification) {
      const inserted = await db
        .insert(notifications)
        .values(notification)
        .onConflictDoNothing({ target: notifications.dedupeKey })
        .returning({ id: notifications.id });
      return { sent: inserted.length > 0 };
    },
  };
}
