import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { customers, orderEvents, orders, products } from '../db/schema.js';
import { checkContactInfo, type ContactProblem, type InfoCorrection } from '../domain/contact-check.js';
import { AddressSchema, type PlaceOrder } from '../domain/order-schema.js';
import type { ActivityDeps } from './deps.js';

/** One entry of the order timeline, as the workflow decided it. */
export interface OrderProgress {
  orderId: string;
  /** The workflow's step number: the same step written twice is written once. */
  seq: number;
  kind: 'milestone' | 'note' | 'flag';
  name: string;
  status: string;
  actor: string;
  at: string;
  reason?: string;
  detail?: Record<string, unknown>;
  flags?: string[];
  /** A new hold reason; null releases the hold; absent leaves it. */
  hold?: string | null | undefined;
}

/** Why an order failed verification. */
export interface VerificationProblem {
  path: string;
  message: string;
}

/** A copy of a JSON-like value with NUL bytes (which Postgres text and jsonb refuse) replaced by U+FFFD. */
function storableText<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storableText) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableText(item)])) as T;
  return value;
}

/** Order verification and the order read model (status, timeline). */
export function createOrderActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** Re-checks an order against the catalog as it is now: every product exists and is sellable. */
    async verifyOrder(input: {
      orderId: string;
      skus: string[];
    }): Promise<{ ok: true } | { ok: false; problems: VerificationProblem[] }> {
      const found = await db
        .select({ sku: products.sku, active: products.active })
        .from(products)
        .where(inArray(products.sku, input.skus));
      const bySku = new Map(found.map((p) => [p.sku, p]));
      const problems = input.skus.flatMap((sku): VerificationProblem[] => {
        const product = bySku.get(sku);
        if (!product) return [{ path: sku, message: 'is not in the catalog' }];
        if (!product.active) return [{ path: sku, message: 'is no longer sold' }];
        return [];
      });
      return problems.length === 0 ? { ok: true } : { ok: false, problems };
    },

    /** Checks that the order's address and contact details are deliverable, as stored now. */
    async verifyContactInfo(input: { orderId: string }): Promise<{ ok: boolean; problems: ContactProblem[] }> {
      const [order] = await db.select({ request: orders.request }).from(orders).where(eq(orders.id, input.orderId));
      if (!order) return { ok: false, problems: [{ path: 'orderId', message: 'no such order' }] };
      const problems = checkContactInfo(order.request);
      return { ok: problems.length === 0, problems };
    },

    /** Applies a support correction of the shipping address or phone numbers to the stored order. */
    async applyInfoCorrection(input: { orderId: string; correction: InfoCorrection }): Promise<void> {
      await db.transaction(async (tx) => {
        const [order] = await tx
          .select({ request: orders.request })
          .from(orders)
          .where(eq(orders.id, input.orderId))
          .for('update');
        if (!order) return;
        const { shippingAddress, customerPhone, customerName } = input.correction;
        const request: PlaceOrder = {
          ...order.request,
          customer: {
            ...order.request.customer,
            ...(customerPhone ? { phone: customerPhone } : {}),
            ...(customerName ? { name: customerName } : {}),
          },
          shippingAddress: shippingAddress ? AddressSchema.parse(shippingAddress) : order.request.shippingAddress,
        };
        await tx
          .update(orders)
          .set({ request, updatedAt: sql`now()` })
          .where(eq(orders.id, input.orderId));
      });
    },

    /** Writes a timeline entry and the order's current status in one transaction, once per step. */
    async recordOrderProgress(entry: OrderProgress): Promise<void> {
      // The timeline must take every entry: a NUL byte that slipped past the edge is kept visibly replaced, not refused.
      const progress = storableText(entry);
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(orderEvents)
          .values({
            orderId: progress.orderId,
            seq: progress.seq,
            kind: progress.kind,
            name: progress.name,
            status: progress.status,
            actor: progress.actor,
            reason: progress.reason ?? null,
            detail: progress.detail ?? null,
            at: new Date(progress.at),
          })
          .onConflictDoNothing()
          .returning({ id: orderEvents.id });
        if (inserted.length === 0) return;
        await tx
          .update(orders)
          .set({
            status: progress.status,
            updatedAt: sql`now()`,
            ...(progress.flags ? { flags: progress.flags } : {}),
            ...(progress.hold !== undefined ? { holdReason: progress.hold } : {}),
          })
          .where(eq(orders.id, progress.orderId));
      });
    },

    /** Gives the customer back the loyalty points an order redeemed; a second call gives back nothing. */
    async returnRedeemedPoints(input: { orderId: string }): Promise<{ returnedPoints: number }> {
      return db.transaction(async (tx) => {
        const [order] = await tx
          .update(orders)
          .set({ pointsReturnedAt: sql`now()` })
          .where(and(eq(orders.id, input.orderId), gt(orders.pointsRedeemed, 0), isNull(orders.pointsReturnedAt)))
          .returning({ customerId: orders.customerId, points: orders.pointsRedeemed });
        if (!order) {
          // A retry after the first call succeeded reports the same points, so the list of what was undone stays whole.
          const [earlier] = await tx
            .select({ points: orders.pointsRedeemed, returnedAt: orders.pointsReturnedAt })
            .from(orders)
            .where(eq(orders.id, input.orderId));
          return { returnedPoints: earlier?.returnedAt ? earlier.points : 0 };
        }
        await tx
          .update(customers)
          .set({ points: sql`${customers.points} + ${order.points}` })
          .where(eq(customers.id, order.customerId));
        return { returnedPoints: order.points };
      });
    },

    /**
     * Adds a flag to an order whose workflow has ended (the workflow can no longer write its timeline):
     * a timeline entry after the last one, once per flag and provider transaction.
     */
    async flagEndedOrder(input: {
      orderId: string;
      flag: string;
      reason: string;
      detail: Record<string, unknown> & { transactionId: string };
    }): Promise<{ flagged: boolean }> {
      return db.transaction(async (tx) => {
        const [order] = await tx
          .select({ status: orders.status, flags: orders.flags })
          .from(orders)
          .where(eq(orders.id, input.orderId))
          .for('update');
        if (!order) return { flagged: false };
        const [earlier] = await tx
          .select({ id: orderEvents.id })
          .from(orderEvents)
          .where(
            and(
              eq(orderEvents.orderId, input.orderId),
              eq(orderEvents.name, input.flag),
              sql`${orderEvents.detail}->>'transactionId' = ${input.detail.transactionId}`,
            ),
          );
        if (earlier) return { flagged: false };
        const [last] = await tx
          .select({ seq: sql<number>`coalesce(max(${orderEvents.seq}), 0)` })
          .from(orderEvents)
          .where(eq(orderEvents.orderId, input.orderId));
        await tx.insert(orderEvents).values({
          orderId: input.orderId,
          seq: Number(last?.seq ?? 0) + 1,
          kind: 'flag',
          name: input.flag,
          status: order.status,
          actor: 'orchestrator',
          reason: input.reason,
          detail: input.detail,
          at: new Date(),
        });
        const flags = order.flags.includes(input.flag) ? order.flags : [...order.flags, input.flag];
        await tx
          .update(orders)
          .set({ flags, updatedAt: sql`now()` })
          .where(eq(orders.id, input.orderId));
        return { flagged: true };
      });
    },

    /** Credits the loyalty points an order earned, once, when it completes. */
    async creditEarnedPoints(input: { orderId: string }): Promise<{ creditedPoints: number }> {
      return db.transaction(async (tx) => {
        const [order] = await tx
          .update(orders)
          .set({ pointsCreditedAt: sql`now()` })
          .where(and(eq(orders.id, input.orderId), isNull(orders.pointsCreditedAt)))
          .returning({ customerId: orders.customerId, pricing: orders.pricing });
        if (!order || order.pricing.pointsEarned <= 0) return { creditedPoints: 0 };
        await tx
          .update(customers)
          .set({ points: sql`${customers.points} + ${order.pricing.pointsEarned}` })
          .where(eq(customers.id, order.customerId));
        return { creditedPoints: order.pricing.pointsEarned };
      });
    },
  };
}
