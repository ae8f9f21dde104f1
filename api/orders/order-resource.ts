import { z } from 'zod';
import { ORDER_STATUSES } from '../../domain/order-status.js';
import { OrderProductionSchema } from './production-view.js';

const Money = z.number().int().describe('minor units');

/** The price breakdown as stored and returned. */
export const PricingSchema = z.object({
  currency: z.string(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int(), unitPrice: Money, lineTotal: Money })),
  subtotal: Money,
  discounts: z.array(z.object({ kind: z.string(), label: z.string(), amount: Money })),
  shipping: Money,
  tax: Money,
  total: Money,
  pointsRedeemed: z.number().int(),
  pointsEarned: z.number().int(),
});

/** `GET /v1/orders/:id` and the body of the placement answer. */
export const OrderResourceSchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  type: z.enum(['regular', 'custom', 'urgent']),
  channel: z.string(),
  externalId: z.string().nullable(),
  customerId: z.string().nullable().describe('null for a service when the order named its customer by e-mail only'),
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      sku: z.string(),
      quantity: z.number().int(),
      unitPrice: Money,
      customization: z.record(z.string(), z.string()).nullable(),
      allocation: z.array(
        z.object({ warehouseId: z.string(), lotId: z.number().int(), quantity: z.number().int(), status: z.string() }),
      ),
    }),
  ),
  pricing: PricingSchema,
  payment: z.object({
    intentId: z.string().nullable(),
    status: z.enum(['not_requested', 'pending', 'failed', 'captured', 'refunded']),
    amountPaid: Money,
    amountRefunded: Money,
    amountDue: Money.describe('what the customer still owes: the total less what we hold; 0 once the order has ended'),
    refundsPending: Money.describe('refunds asked for that the provider has not confirmed yet'),
    refunds: z
      .array(
        z.object({
          refundId: z.string(),
          amount: Money,
          status: z.enum(['pending', 'succeeded']).describe('pending until the provider confirms the money is back'),
          requestedAt: z.string(),
          confirmedAt: z.string().nullable().describe("the provider's time of the money going back"),
          reason: z.string().nullable().describe('null for a refund made at the provider'),
        }),
      )
      .describe('oldest first'),
  }),
  shipment: z
    .object({
      carrier: z.string(),
      service: z.string(),
      trackingNumber: z.string(),
      status: z.string(),
      cost: Money,
      eta: z.string(),
      pickedUpAt: z.string().nullable(),
      deliveredAt: z.string().nullable(),
    })
    .nullable(),
  invoice: z
    .object({ number: z.string(), status: z.enum(['issued', 'delivered']), total: Money, issuedAt: z.string() })
    .nullable(),
  review: z.object({ required: z.boolean(), reasons: z.array(z.string()) }).nullable(),
  production: OrderProductionSchema.nullable().describe('made-to-order lines: jobs, promised date, inspections'),
  milestones: z.array(z.object({ name: z.string(), at: z.string() })),
  allowedActions: z.array(z.string()),
  flags: z.array(z.string()),
  hold: z.object({ reason: z.string() }).nullable(),
  revision: z.number().int().describe('edits applied since placement'),
  backorderOf: z.string().nullable().describe('the order this back-order was split from'),
  backorderId: z.string().nullable().describe('the back-order split from this order for what stock could not cover'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** An order as clients see it. */
export type OrderResource = z.infer<typeof OrderResourceSchema>;

/** One entry of `GET /v1/orders/:id/timeline`. */
export const TimelineEntrySchema = z.object({
  seq: z.number().int(),
  kind: z.string(),
  name: z.string(),
  status: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  at: z.string(),
});

/** One support or service request sent to an order, with its answer, in `GET /v1/orders/:id/timeline`. */
export const SupportRequestSchema = z.object({
  action: z.string(),
  actor: z.string().describe('the name of the calling key'),
  requestedBy: z.string().nullable().describe('who the request body said asked: a note'),
  reason: z.string().nullable(),
  status: z.string().describe("the order's stage when it was asked"),
  outcome: z.enum(['accepted', 'refused', 'rejected']),
  answer: z.record(z.string(), z.unknown()),
  at: z.string(),
});
