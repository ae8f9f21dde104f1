import { and, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { orders } from '../../db/schema.js';
import { CHANNELS, ORDER_TYPES } from '../../domain/order-schema.js';

const Instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with offset, such as 2026-01-31T23:00:00+01:00',
});

/** The query every analytics route takes: orders placed in [from, to), of one type and one channel; all optional. */
export const AnalyticsFilterSchema = z
  .strictObject({
    from: Instant.describe('Orders placed at or after this instant').optional(),
    to: Instant.describe('Orders placed before this instant (exclusive)').optional(),
    type: z.enum(ORDER_TYPES).optional(),
    channel: z.enum(CHANNELS).optional(),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
    path: ['to'],
    message: 'must be after from',
  });

/** A parsed analytics query. */
export type AnalyticsFilter = z.infer<typeof AnalyticsFilterSchema>;

/** The condition on `orders` that selects the orders an analytics answer covers. */
export function ordersMatching(filter: AnalyticsFilter): SQL | undefined {
  return and(
    filter.from ? gte(orders.createdAt, new Date(filter.from)) : undefined,
    filter.to ? lt(orders.createdAt, new Date(filter.to)) : undefined,
    filter.type ? eq(orders.type, filter.type) : undefined,
    filter.channel ? eq(orders.channel, filter.channel) : undefined,
  );
}

/** The columns an analytics read model copies from its order: when it was placed, its type and its channel. */
export interface PlacedOrderColumns {
  placedAt: AnyPgColumn;
  orderType: AnyPgColumn;
  channel: AnyPgColumn;
}

/** The same selection as `ordersMatching`, on a read model that carries the order's own fields. */
export function placedMatching(filter: AnalyticsFilter, columns: PlacedOrderColumns): SQL | undefined {
  return and(
    filter.from ? gte(columns.placedAt, new Date(filter.from)) : undefined,
    filter.to ? lt(columns.placedAt, new Date(filter.to)) : undefined,
    filter.type ? eq(columns.orderType, filter.type) : undefined,
    filter.channel ? eq(columns.channel, filter.channel) : undefined,
  );
}
