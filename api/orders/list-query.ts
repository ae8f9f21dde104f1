import { z } from 'zod';
import { CHANNELS, ORDER_TYPES } from '../../domain/order-schema.js';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { decodeOrderCursor } from './list-cursor.js';
import { PageLimit } from '../paging.js';

const KNOWN_STATUSES: ReadonlySet<string> = new Set(ORDER_STATUSES);

const StatusList = z
  .string()
  .describe(`One or more statuses, comma-separated: ${ORDER_STATUSES.join(', ')}`)
  .transform((raw, ctx) => {
    const statuses = [...new Set(raw.split(',').map((part) => part.trim()))];
    const unknown = statuses.filter((status) => !KNOWN_STATUSES.has(status));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `has unknown status ${unknown.map((s) => `"${s}"`).join(', ')}; use ${ORDER_STATUSES.join(', ')}`,
      });
      return z.NEVER;
    }
    return statuses as OrderStatus[];
  });

const FLAG = /^[a-z][a-z0-9_]{0,63}$/;

const FlagList = z
  .string()
  .describe('One or more flags, comma-separated (such as chargeback,suspicious_order): orders with any of them')
  .transform((raw, ctx) => {
    const flags = [...new Set(raw.split(',').map((part) => part.trim()))];
    const bad = flags.filter((flag) => !FLAG.test(flag));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `has ${bad.map((f) => `"${f}"`).join(', ')}: a flag is lower-case letters, digits and _`,
      });
      return z.NEVER;
    }
    return flags;
  });

const Cursor = z
  .string()
  .max(200)
  .describe('`nextCursor` of the previous page')
  .transform((cursor, ctx) => {
    const afterId = decodeOrderCursor(cursor);
    if (!afterId) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page of this listing' });
      return z.NEVER;
    }
    return afterId;
  });

const Instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with offset, such as 2026-01-31T23:00:00+01:00',
});

/** The query of `GET /v1/orders`: filters combine with AND; the cursor continues a previous page. */
export const ListOrdersQuerySchema = z
  .strictObject({
    status: StatusList.optional(),
    type: z.enum(ORDER_TYPES).optional(),
    channel: z.enum(CHANNELS).optional(),
    customerId: z.string().trim().min(1, 'must not be empty').max(64).optional(),
    flag: FlagList.optional(),
    flagged: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((value) => value === 'true')
      .describe('true: only orders with at least one flag; false: only orders with none')
      .optional(),
    createdFrom: Instant.describe('Created at or after this instant').optional(),
    createdTo: Instant.describe('Created before this instant (exclusive)').optional(),
    limit: PageLimit,
    cursor: Cursor.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.createdFrom && query.createdTo && Date.parse(query.createdTo) <= Date.parse(query.createdFrom)) {
      ctx.addIssue({ code: 'custom', path: ['createdTo'], message: 'must be later than createdFrom' });
    }
  });

/** A validated order listing query, with statuses split and the cursor decoded to the last id seen. */
export type ListOrdersQuery = z.output<typeof ListOrdersQuerySchema>;

/** One order in a listing: what a support screen shows in a row. */
export const OrderSummarySchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  type: z.enum(ORDER_TYPES),
  channel: z.string(),
  externalId: z.string().nullable(),
  customerId: z.string().nullable().describe('null for a service when the order named its customer by e-mail only'),
  total: z.number().int().describe('minor units'),
  currency: z.string(),
  flags: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** One page of `GET /v1/orders`, newest first. */
export const OrderPageSchema = z.object({
  items: z.array(OrderSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** A page of orders as clients see it. */
export type OrderPage = z.infer<typeof OrderPageSchema>;
