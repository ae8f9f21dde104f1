import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import { countCustomers } from './customers.js';
import { countExceptions, SHORTAGE_OUTCOMES, type LabelCount } from './exceptions.js';
import { AnalyticsFilterSchema } from './filters.js';
import { countFunnel, type FunnelCounts } from './funnel.js';

/** `part / whole` rounded to 4 decimals; 0 when there is no whole. */
function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

const Count = z.number().int().nonnegative();
const Rate = z
  .number()
  .min(0)
  .max(1)
  .describe('count / orders placed in the window, rounded to 4 decimals; 0 when none');
const Share = z.strictObject({ count: Count, rate: Rate });
const withRate = (count: number, placed: number) => ({ count, rate: ratio(count, placed) });
const labelled = (rows: LabelCount[], placed: number) =>
  rows.map((row) => ({ label: row.label, ...withRate(row.count, placed) }));
const LabelledShares = (label: string) =>
  z
    .array(z.strictObject({ label: z.string().describe(label), count: Count, rate: Rate }))
    .describe('Most orders first');

const FUNNEL_STEPS = ['paid', 'shipped', 'delivered', 'completed', 'cancelled', 'returned', 'failed'] as const;

const FunnelSchema = z.strictObject({
  placed: Count.describe('Orders placed in the window (matching type and channel)'),
  paid: Count.describe('Of those, orders whose payment was captured (payment_captured)'),
  shipped: Count.describe('Orders the carrier picked up (parcel_picked_up)'),
  delivered: Count.describe('Orders delivered (parcel_delivered)'),
  completed: Count.describe('Orders completed: delivered and their windows closed (order_completed)'),
  cancelled: Count.describe('Orders cancelled, for any reason at any stage (order_cancelled)'),
  returned: Count.describe('Orders returned after delivery (order_returned)'),
  failed: Count.describe('Orders that could not go on (order_failed)'),
  rates: z
    .strictObject(
      Object.fromEntries(FUNNEL_STEPS.map((step) => [step, Rate])) as Record<
        (typeof FUNNEL_STEPS)[number],
        typeof Rate
      >,
    )
    .describe('Each step as a share of the orders placed'),
});

const ExceptionsSchema = z.strictObject({
  placed: Count.describe('Orders placed in the window: the denominator of every rate'),
  holds: Share.describe('Orders put on hold for missing or wrong information (order_on_hold)'),
  shortages: z
    .strictObject({
      count: Count,
      rate: Rate,
      byDecision: z
        .strictObject(
          Object.fromEntries(SHORTAGE_OUTCOMES.map((decision) => [decision, Share])) as Record<
            (typeof SHORTAGE_OUTCOMES)[number],
            typeof Share
          >,
        )
        .describe(
          'How each short order went on: partial_ship (order_split), substitute (products_substituted), wait_restock (backordered), cancel (cancelled with shortage_cancel), undecided (cancelled with shortage_undecided), none (no decision yet, an edit made the stock suffice, or cancelled another way)',
        ),
    })
    .describe('Orders short of stock (stock_short)'),
  paymentFailures: z
    .strictObject({
      count: Count,
      rate: Rate,
      events: Count.describe('Failed payment attempts in all (payment_failed notes)'),
    })
    .describe('Orders with at least one failed payment attempt'),
  cancellations: z
    .strictObject({
      count: Count,
      rate: Rate,
      byReason: LabelledShares(
        'The reason of the order_cancelled milestone (payment_timeout, confirmation_timeout, info_not_corrected, shortage_cancel, shortage_undecided, restock_timeout, …); cancellations asked through the API are grouped as support',
      ),
      bySupportReason: LabelledShares('The words support (or a service) gave when asking for the cancellation'),
      byStage: LabelledShares('The status the order was in just before it was cancelled'),
    })
    .describe('Cancelled orders'),
  returns: Share.describe('Orders returned after delivery (order_returned)'),
  lateParcels: Share.describe('Orders whose parcel was late (parcel_late flag)'),
  lateProductionJobs: Share.describe('Orders whose production job ran late (production_late flag)'),
});

const CustomersSchema = z.strictObject({
  customers: Count.describe('Distinct customers with an order placed in the window'),
  repeatCustomers: Count.describe('Of those, customers with two or more orders in the window'),
  repeatShare: z.number().min(0).max(1).describe('repeatCustomers / customers, rounded to 4 decimals; 0 when none'),
});

const responses = <T extends z.ZodType>(ok: T) => ({
  200: ok,
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
});

function funnelAnswer(counts: FunnelCounts) {
  const rates = Object.fromEntries(FUNNEL_STEPS.map((step) => [step, ratio(counts[step], counts.placed)]));
  return { ...counts, rates: rates as Record<(typeof FUNNEL_STEPS)[number], number> };
}

/** How orders turn out: the funnel, the exceptions on the way and repeat customers, over orders placed in a window. */
export const outcomeAnalyticsRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (
  app,
  { db, auth },
) => {
  app.get(
    '/v1/analytics/funnel',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'How many orders placed in the window reached each step',
        description: 'Each step counts the orders whose timeline ever carried its milestone, whatever happened after.',
        querystring: AnalyticsFilterSchema,
        response: responses(FunnelSchema),
      },
    },
    async (request) => funnelAnswer(await countFunnel(db, request.query)),
  );

  app.get(
    '/v1/analytics/exceptions',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'Holds, shortages, payment failures, cancellations, returns and late work, with their rates',
        description: 'Each exception counts an order once; every rate is over the orders placed in the window.',
        querystring: AnalyticsFilterSchema,
        response: responses(ExceptionsSchema),
      },
    },
    async (request) => {
      const counts = await countExceptions(db, request.query);
      const { placed } = counts;
      return {
        placed,
        holds: withRate(counts.holds, placed),
        shortages: {
          ...withRate(counts.shortages, placed),
          byDecision: Object.fromEntries(
            SHORTAGE_OUTCOMES.map((decision) => [decision, withRate(counts.shortagesByDecision[decision], placed)]),
          ) as Record<(typeof SHORTAGE_OUTCOMES)[number], { count: number; rate: number }>,
        },
        paymentFailures: { ...withRate(counts.paymentFailures, placed), events: counts.paymentFailureEvents },
        cancellations: {
          ...withRate(counts.cancellations, placed),
          byReason: labelled(counts.cancellationsByReason, placed),
          bySupportReason: labelled(counts.supportCancellationReasons, placed),
          byStage: labelled(counts.cancellationsByStage, placed),
        },
        returns: withRate(counts.returns, placed),
        lateParcels: withRate(counts.lateParcels, placed),
        lateProductionJobs: withRate(counts.lateProductionJobs, placed),
      };
    },
  );

  app.get(
    '/v1/analytics/customers',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'Customers who ordered in the window, and the share who ordered more than once',
        querystring: AnalyticsFilterSchema,
        response: responses(CustomersSchema),
      },
    },
    async (request) => {
      const counts = await countCustomers(db, request.query);
      return { ...counts, repeatShare: ratio(counts.repeatCustomers, counts.customers) };
    },
  );
};
