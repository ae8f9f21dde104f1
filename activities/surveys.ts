import { and, eq, isNull } from 'drizzle-orm';
import { orders, surveys } from '../db/schema.js';
import type { ActivityDeps } from './deps.js';

/** Satisfaction surveys after delivery. */
export function createSurveyActivities({ db, notifier }: Pick<ActivityDeps, 'db' | 'notifier'>) {
  return {
    /** Opens the order's survey and sends it by e-mail; a second call sends nothing. */
    async sendSurvey(input: { orderId: string; closesAt: string }): Promise<{ sent: boolean }> {
      const [order] = await db.select({ request: orders.request }).from(orders).where(eq(orders.id, input.orderId));
      if (!order) return { sent: false };
      await db
        .insert(surveys)
        .values({ orderId: input.orderId, channel: 'email', closesAt: new Date(input.closesAt) })
        .onConflictDoNothing();
      return notifier.send({
        orderId: input.orderId,
        template: 'survey',
        channel: 'email',
        recipient: order.request.customer.email,
        dedupeKey: `survey:${input.orderId}`,
        payload: { questions: ['product', 'delivery', 'service'], scale: '1-5', closesAt: input.closesAt },
      });
    },

    /** Stores the first answer to an order's survey; later answers change nothing. */
    async recordFeedback(input: {
      orderId: string;
      ratings: { product: number; delivery: number; service: number };
      comment?: string | undefined;
      submittedAt: string;
    }): Promise<{ recorded: boolean }> {
      const updated = await db
        .update(surveys)
        .set({
          respondedAt: new Date(input.submittedAt),
          productRating: input.ratings.product,
          deliveryRating: input.ratings.delivery,
          serviceRating: input.ratings.service,
          comment: input.comment ?? null,
        })
        .where(and(eq(surveys.orderId, input.orderId), isNull(surveys.respondedAt)))
        .returning({ orderId: surveys.orderId });
      return { recorded: updated.length > 0 };
    },
  };
}
