import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { StatementEntrySchema } from '../../domain/settlement-schemas.js';
import { createSandboxPaymentBook } from '../../sandbox/payment-book.js';
import type { Auth } from '../auth.js';
import { Problem, ProblemSchema } from '../problems.js';

const CaptureSchema = z.strictObject({
  paymentIntentId: z.string().trim().min(1).max(100),
  amount: z.number().int().positive().max(100_000_000),
  deliverWebhook: z.boolean().default(true),
});

const ChargebackSchema = z.strictObject({
  transactionId: z.string().trim().min(1).max(100),
  amount: z.number().int().positive().max(100_000_000).optional(),
  deliverWebhook: z.boolean().default(true),
});

const StatementQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  cursor: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[\w-]{1,100}$/, 'is not a cursor from a previous page')
    .optional(),
});

/**
 * The sandbox payment provider, as the API runs it: its test-mode routes (captures and chargebacks
 * made at the provider, its statement) and the sender of the webhooks it owes, every `sendEveryMs`.
 * Registered only while the sandbox provider is configured.
 */
export const sandboxPaymentRoutes: FastifyPluginAsyncZod<{
  db: Database;
  auth: Auth;
  secret: string;
  currency: string;
  refundDelayMs: number;
  sendEveryMs: number;
}> = async (app, { db, auth, secret, currency, refundDelayMs, sendEveryMs }) => {
  const book = createSandboxPaymentBook(db, secret, { confirmRefundsAfterMs: refundDelayMs });
  // The provider posts to the merchant's webhook route; in this process that is the app itself.
  const send = async (body: string, signature: string) =>
    (
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks/payments',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        payload: body,
      })
    ).statusCode;

  let sending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sending = sending
      .then(() => book.sendDue(send))
      .catch((error: unknown) => app.log.warn({ err: error }, 'sandbox webhooks'));
  }, sendEveryMs);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await sending;
  });

  app.post(
    '/v1/test-helpers/payments/captures',
    {
      onRequest: auth.require('admin'),
      schema: {
        tags: ['test-helpers'],
        summary: 'Make the sandbox provider capture a payment',
        description:
          "As a payment provider's test mode: the provider books the capture and, unless `deliverWebhook` is false, sends the signed `payment.succeeded` webhook before this answers. Only while the sandbox provider is configured.",
        body: CaptureSchema,
        response: {
          201: z.object({
            transactionId: z.string(),
            eventId: z.string(),
            orderId: z.string(),
            webhookDelivered: z.boolean(),
          }),
          404: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const captured = await book.capture(request.body);
      if (!captured)
        throw new Problem(404, 'not-found', 'Unknown payment intent', undefined, [
          { path: 'paymentIntentId', message: 'the sandbox provider opened no such intent' },
        ]);
      const delivered = request.body.deliverWebhook ? await book.sendDue(send, [captured.eventId]) : { sent: 0 };
      return reply.status(201).send({
        transactionId: captured.transactionId,
        eventId: captured.eventId,
        orderId: captured.orderId,
        webhookDelivered: delivered.sent > 0,
      });
    },
  );

  app.post(
    '/v1/test-helpers/payments/chargebacks',
    {
      onRequest: auth.require('admin'),
      schema: {
        tags: ['test-helpers'],
        summary: 'Make the sandbox provider book a chargeback on a capture',
        description:
          'The customer disputed a capture with their bank: the provider books it (once per capture) and, unless `deliverWebhook` is false, sends the signed `chargeback.created` webhook before this answers.',
        body: ChargebackSchema,
        response: {
          201: z.object({
            transactionId: z.string(),
            eventId: z.string(),
            orderId: z.string().nullable(),
            webhookDelivered: z.boolean(),
          }),
          404: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const booked = await book.chargeback(request.body);
      if (!booked)
        throw new Problem(404, 'not-found', 'Unknown capture', undefined, [
          { path: 'transactionId', message: 'the sandbox provider booked no such capture' },
        ]);
      const delivered = request.body.deliverWebhook ? await book.sendDue(send, [booked.eventId]) : { sent: 0 };
      return reply.status(201).send({ ...booked, webhookDelivered: delivered.sent > 0 });
    },
  );

  app.get(
    '/v1/test-helpers/payments/statement',
    {
      onRequest: auth.require('admin'),
      schema: {
        tags: ['test-helpers'],
        summary: "The sandbox provider's statement",
        description:
          'The money the provider moved with `occurredAt` in [from, to), oldest first: captures, refunds it paid back and chargebacks. Follow `nextCursor` until it is null.',
        querystring: StatementQuerySchema,
        response: {
          200: z.object({ items: z.array(StatementEntrySchema), nextCursor: z.string().nullable() }),
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { from, to, limit, cursor } = request.query;
      if (new Date(from) >= new Date(to))
        throw new Problem(422, 'invalid-period', 'Invalid period', undefined, [
          { path: 'to', message: 'must be after from' },
        ]);
      const page = await book.gateway.statement({
        from,
        to,
        currency: request.query.currency ?? currency,
        after: cursor,
        limit,
      });
      return { items: page.entries, nextCursor: page.next };
    },
  );
};
