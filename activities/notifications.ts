import { eq } from 'drizzle-orm';
import { orders } from '../db/schema.js';
import type { Notification } from '../ports/notifier.js';
import type { ActivityDeps } from './deps.js';

/** Telling the customer what happened to their order. */
export function createNotificationActivities({ db, notifier }: Pick<ActivityDeps, 'db' | 'notifier'>) {
  return {
    /** E-mails the customer once per dedupe key (the workflow passes order id and step). */
    async notifyCustomer(input: {
      orderId: string;
      template: Notification['template'];
      dedupeKey: string;
      payload: Record<string, unknown>;
    }): Promise<{ sent: boolean }> {
      const [order] = await db.select({ request: orders.request }).from(orders).where(eq(orders.id, input.orderId));
      if (!order) return { sent: false };
      return notifier.send({ ...input, channel: 'email', recipient: order.request.customer.email });
    },
  };
}
