import { z } from 'zod';
import { MAX_MONEY_MINOR } from '../../domain/money-limits.js';

/** The payment provider's webhook body. */
export const PaymentWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['payment.succeeded', 'payment.failed', 'refund.succeeded', 'chargeback.created']),
  orderId: z.string().min(1).max(100),
  paymentIntentId: z.string().min(1).max(200),
  transactionId: z.string().min(1).max(200),
  amount: z.number().int().min(0).max(MAX_MONEY_MINOR, `must be at most ${MAX_MONEY_MINOR} minor units`),
  currency: z.string().regex(/^[A-Z]{3}$/),
  occurredAt: z.iso.datetime({ offset: true }),
  failureReason: z.string().max(500).optional(),
});

/** A payment provider event as received. */
export type PaymentWebhook = z.infer<typeof PaymentWebhookSchema>;

/** A carrier's tracking webhook body. */
export const CarrierWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  carrier: z.string().min(1).max(100),
  trackingNumber: z.string().min(1).max(100),
  type: z.enum(['picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'exception']),
  occurredAt: z.iso.datetime({ offset: true }),
  location: z.string().max(200).optional(),
  detail: z.string().max(1000).optional(),
});

/** A carrier tracking event as received. */
export type CarrierWebhook = z.infer<typeof CarrierWebhookSchema>;
