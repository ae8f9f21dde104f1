import type { Client } from '@temporalio/client';
import { and, desc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FailureType } from '../../domain/failure-types.js';
import type { Database } from '../../db/client.js';
import { AddressSchema, CustomerSchema } from '../../domain/order-schema.js';
import { orderEvents, surveys } from '../../db/schema.js';
import {
  cancelOrderUpdate,
  confirmOrderUpdate,
  correctInfoUpdate,
  feedbackSubmittedSignal,
  requestReturnUpdate,
  type CancelResult,
} from '../../workflows/messages.js';
import { callerOf, type Auth } from '../auth.js';
import { IdempotencyHeaders } from '../idempotency.js';
import { OrderParams } from './order-id.js';
import { Problem, ProblemSchema } from '../problems.js';
import { askOrder, claimRequestKey, currentStatus, refusalProblem, type OrderRequest } from './ask-order.js';
import { visibleOrder } from './order-access.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';

const Rating = z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5');

/** Body of `POST /v1/orders/:id/confirm`. */
export const ConfirmOrderSchema = z.strictObject({
  confirmedBy: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
});
/** Body of `POST /v1/orders/:id/cancel` and `POST /v1/orders/:id/returns`. */
export const CancelOrderSchema = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  requestedBy: z.string().trim().min(1).max(200),
});
const CancelResultSchema = z.object({
  orderId: z.string(),
  status: z.string(),
  reason: z.string(),
  undone: z.array(z.string()),
  refunded: z.number().int(),
  creditNote: z.string().nullable(),
});

/** The answer a finished cancellation or return gave, from the timeline: asking again returns it unchanged. */
async function recordedOutcome(
  db: Database,
  orderId: string,
  milestone: 'order_cancelled' | 'order_returned',
): Promise<CancelResult | undefined> {
  const [event] = await db
    .select()
    .from(orderEvents)
    .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.name, milestone)))
    .orderBy(desc(orderEvents.seq))
    .limit(1);
  if (!event) return undefined;
  const detail = (event.detail ?? {}) as Partial<CancelResult>;
  return {
    status: milestone === 'order_cancelled' ? 'cancelled' : 'returned',
    reason: event.reason ?? milestone,
    undone: detail.undone ?? [],
    refunded: detail.refunded ?? 0,
    creditNote: detail.creditNote ?? null,
  };
}

/** Body of `POST /v1/orders/:id/info-correction`: any of the contact details that put the order on hold. */
export const InfoCorrectionSchema = z
  .strictObject({
    requestedBy: z.string().trim().min(1).max(200),
    shippingAddress: AddressSchema.optional(),
    customerPhone: CustomerSchema.shape.phone.optional(),
    customerName: CustomerSchema.shape.name.optional(),
  })
  .refine((body) => body.shippingAddress || body.customerPhone || body.customerName, {
    message: 'give shippingAddress, customerPhone or customerName',
    path: ['shippingAddress'],
  });

/** Body of `POST /v1/orders/:id/feedback`. */
export const FeedbackSchema = z.strictObject({
  ratings: z.strictObject({ product: Rating, delivery: Rating, service: Rating }),
  comment: z.string().max(4000).optional(),
});

/** Support and service actions on one order: each goes to the order's workflow, never to the database. */
export const orderActionRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.post(
    '/v1/orders/:id/confirm',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['orders'],
        summary: 'Confirm an order held for manual review',
        description: '`confirmedBy` is kept as a note; the actor of record is the calling key.',
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: ConfirmOrderSchema,
        response: {
          200: z.object({
            orderId: z.string(),
            status: z.string(),
            confirmedBy: z.string().describe('the calling key, the actor of record'),
          }),
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const orderId = request.params.id;
      const caller = callerOf(request);
      const { confirmedBy, note } = request.body;
      const result = await askOrder(
        { db, temporal },
        {
          orderId,
          action: 'confirm',
          caller,
          requestedBy: confirmedBy,
          reason: note,
          update: confirmOrderUpdate,
          arg: { actor: caller.name, note },
          headers: request.headers,
        },
      );
      return { orderId, ...result };
    },
  );

  /** Cancel and return share one shape: a reasoned request, the same answer when asked twice, 409 with the reason. */
  function outcomeRoute(
    path: string,
    summary: string,
    description: string,
    update: typeof cancelOrderUpdate,
    milestone: 'order_cancelled' | 'order_returned',
  ) {
    const endedAs = milestone === 'order_cancelled' ? 'cancelled' : 'returned';
    app.post(
      path,
      {
        onRequest: auth.require('service', 'support'),
        schema: {
          tags: ['orders'],
          summary,
          description: `${description} \`requestedBy\` is kept as a note; the actor of record is the calling key.`,
          params: OrderParams,
          headers: IdempotencyHeaders,
          body: CancelOrderSchema,
          response: { 200: CancelResultSchema, 409: ProblemSchema, 422: ProblemSchema },
        },
      },
      async (request) => {
        const orderId = request.params.id;
        const caller = callerOf(request);
        const { status } = await visibleOrder(db, caller, orderId);
        const { requestedBy, reason } = request.body;
        const ask: OrderRequest<CancelResult, { actor: string; reason: string }> = {
          orderId,
          action: endedAs === 'cancelled' ? 'cancel' : 'return',
          caller,
          requestedBy,
          reason,
          update,
          arg: { actor: caller.name, reason },
          headers: request.headers,
          status,
        };
        // A reused key is refused before an earlier answer is given: that answer belongs to another request.
        await claimRequestKey(db, ask);
        const earlier = status === endedAs ? await recordedOutcome(db, orderId, milestone) : undefined;
        if (earlier) return { orderId, ...earlier };
        if (endedAs === 'returned' && status === 'completed') {
          throw new Problem(
            409,
            'action-refused',
            'The order refused this action',
            'order is completed: its return window has closed',
            undefined,
            { reason: FailureType.NotAllowed, orderStatus: status },
          );
        }
        const result = await askOrder({ db, temporal }, ask);
        return { orderId, ...result };
      },
    );
  }

  outcomeRoute(
    '/v1/orders/:id/cancel',
    'Cancel an order before pickup; every side effect is undone',
    'Refused with 409 once the carrier has the parcel (request a return instead). Cancelling again returns the same answer.',
    cancelOrderUpdate,
    'order_cancelled',
  );
  outcomeRoute(
    '/v1/orders/:id/returns',
    'Return a delivered order inside the return window: refund, credit note, goods back in stock',
    'Refused with 409 before delivery or after the return window. Asking again returns the same answer.',
    requestReturnUpdate,
    'order_returned',
  );

  app.post(
    '/v1/orders/:id/info-correction',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['orders'],
        summary: 'Correct the contact details of an order on hold; verification runs again',
        description:
          'Give at least one of shippingAddress, customerPhone or customerName (400 otherwise). Refusals are 409 with the reason.',
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: InfoCorrectionSchema,
        response: {
          200: z.object({
            orderId: z.string(),
            status: z.enum(['released', 'still_on_hold']),
            problems: z.array(z.object({ path: z.string(), message: z.string() })),
          }),
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const orderId = request.params.id;
      const caller = callerOf(request);
      const { requestedBy, ...correction } = request.body;
      const result = await askOrder(
        { db, temporal },
        {
          orderId,
          action: 'correct_info',
          caller,
          requestedBy,
          update: correctInfoUpdate,
          arg: { actor: caller.name, correction },
          headers: request.headers,
        },
      );
      return { orderId, ...result };
    },
  );

  app.post(
    '/v1/orders/:id/feedback',
    {
      onRequest: auth.require('service'),
      schema: {
        tags: ['orders'],
        summary: 'Satisfaction survey answer (product, delivery, service, 1–5)',
        params: OrderParams,
        body: FeedbackSchema,
        response: { 202: z.object({ received: z.literal(true) }), 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const status = await currentStatus(db, request.params.id);
      if (status !== 'delivered')
        throw new Problem(
          409,
          'action-refused',
          'The order refused this action',
          `order is ${status}: feedback opens at delivery`,
          undefined,
          { orderStatus: status },
        );
      const [survey] = await db
        .select({ respondedAt: surveys.respondedAt, closesAt: surveys.closesAt })
        .from(surveys)
        .where(eq(surveys.orderId, request.params.id));
      if (survey?.respondedAt)
        throw new Problem(
          409,
          'action-refused',
          'The order refused this action',
          'feedback for this order was already received',
          undefined,
          { orderStatus: status },
        );
      // An answer the order would not count must not be acknowledged as received.
      if (survey?.closesAt && Date.now() >= survey.closesAt.getTime())
        throw new Problem(
          409,
          'action-refused',
          'The order refused this action',
          `the survey closed at ${survey.closesAt.toISOString()}`,
          undefined,
          { orderStatus: status },
        );
      try {
        await temporal.workflow
          .getHandle(orderWorkflowId(request.params.id))
          .signal(feedbackSubmittedSignal, { ...request.body, submittedAt: new Date().toISOString() });
      } catch (error) {
        throw refusalProblem(error, status);
      }
      return reply.status(202).send({ received: true as const });
    },
  );
};
