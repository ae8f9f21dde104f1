import { and, eq, isNull } from 'drizzle-orm';
import { isPermanentDataError } from '../db/errors.js';
import { followUps, orders, surveys } from '../db/schema.js';
import { needsFollowUp, type SurveyRatings } from '../domain/follow-ups.js';
import { recipientOn, surveyChannelFor } from '../domain/survey-channel.js';
import type { Channel } from '../domain/order-schema.js';
import type { ActivityDeps } from './deps.js';

/** Satisfaction surveys after delivery, and the follow-ups a low rating opens. */
export function createSurveyActivities({
  db,
  notifier,
  staffNotifier,
}: Pick<ActivityDeps, 'db' | 'notifier' | 'staffNotifier'>) {
  return {
    /** Opens the order's survey and sends it on the channel the order came through where it can; a second call sends nothing. */
    async sendSurvey(input: { orderId: string; closesAt: string }): Promise<{ sent: boolean }> {
      const [order] = await db
        .select({ request: orders.request, channel: orders.channel, customerId: orders.customerId })
        .from(orders)
        .where(eq(orders.id, input.orderId));
      if (!order) return { sent: false };
      await db
        .insert(surveys)
        .values({
          orderId: input.orderId,
          channel: surveyChannelFor(order.channel as Channel),
          closesAt: new Date(input.closesAt),
        })
        .onConflictDoNothing();
      // The survey row decides: a retry after a change of mapping still sends where the survey was opened.
      const [survey] = await db
        .select({ channel: surveys.channel })
        .from(surveys)
        .where(eq(surveys.orderId, input.orderId));
      const channel = survey!.channel;
      const { email, phone } = order.request.customer;
      return notifier.send({
        orderId: input.orderId,
        template: 'survey',
        channel,
        recipient: recipientOn(channel, { customerId: order.customerId, email, phone }),
        dedupeKey: `survey:${input.orderId}`,
        payload: { questions: ['product', 'delivery', 'service'], scale: '1-5', closesAt: input.closesAt },
      });
    },

    /**
     * Stores the first answer to an order's survey and, for a low rating, opens its follow-up in the same
     * transaction and then alerts staff; later answers change nothing.
     */
    async recordFeedback(input: {
      orderId: string;
      ratings: SurveyRatings;
      comment?: string | undefined;
      submittedAt: string;
    }): Promise<{ recorded: boolean }> {
      const { recorded, followUpOpened } = await storeFeedback(input);
      if (followUpOpened) {
        const { product, delivery, service } = input.ratings;
        await staffNotifier
          .send({
            dedupeKey: `follow-up:${input.orderId}`,
            kind: 'follow_up_opened',
            orderId: input.orderId,
            subject: `Order ${input.orderId}: a low rating opened a follow-up`,
            detail: { ratings: { product, delivery, service }, comment: input.comment ?? null },
          })
          .catch((error: unknown) => {
            // An alert refused for good must not fail the order: the follow-up is stored and support lists it.
            if (!isPermanentDataError(error)) throw error;
          });
      }
      return { recorded };
    },
  };

  /** The answer and, for a low rating, its follow-up, in one transaction; `followUpOpened` also when an earlier try of this same answer opened it. */
  async function storeFeedback(input: {
    orderId: string;
    ratings: SurveyRatings;
    comment?: string | undefined;
    submittedAt: string;
  }): Promise<{ recorded: boolean; followUpOpened: boolean }> {
    return db.transaction(async (tx) => {
      const updated = await tx
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
      if (!needsFollowUp(input.ratings)) return { recorded: updated.length > 0, followUpOpened: false };
      if (updated.length === 0) {
        // A retry after a crash past the commit must still alert: the follow-up this very answer opened says so.
        const [opened] = await tx
          .select({ id: followUps.id })
          .from(followUps)
          .where(and(eq(followUps.orderId, input.orderId), eq(followUps.openedAt, new Date(input.submittedAt))));
        return { recorded: false, followUpOpened: opened !== undefined };
      }
      const { product, delivery, service } = input.ratings;
      const inserted = await tx
        .insert(followUps)
        .values({
          orderId: input.orderId,
          reason: 'low_rating',
          ratings: { product, delivery, service },
          comment: input.comment ?? null,
          openedAt: new Date(input.submittedAt),
          updatedAt: new Date(input.submittedAt),
        })
        .onConflictDoNothing({ target: followUps.orderId })
        .returning({ id: followUps.id });
      return { recorded: true, followUpOpened: inserted.length > 0 };
    });
  }
}
