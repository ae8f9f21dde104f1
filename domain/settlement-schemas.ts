import { z } from 'zod';
import { SETTLED_KINDS } from './settlement.js';

/** A provider statement line as the API shows it. */
export const StatementEntrySchema = z.object({
  transactionId: z.string(),
  paymentIntentId: z.string(),
  orderId: z.string().nullable(),
  kind: z.enum(SETTLED_KINDS),
  amount: z.number().int(),
  currency: z.string(),
  occurredAt: z.string(),
});
