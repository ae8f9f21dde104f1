import { createHash } from 'node:crypto';
import { and, asc, count, eq, inArray, lt, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { isUniqueViolation } from '../db/errors.js';
import { customers, orderLines, orders, products } from '../db/schema.js';
import { catalogLines, checkCatalogLines, type LineProblem } from '../domain/catalog-lines.js';
import { AddressSchema, type PlaceOrder } from '../domain/order-schema.js';
import { priceOrder, type PriceBreakdown } from '../domain/pricing.js';
import { assessRisk, velocityReasonsOf, type Review } from '../domain/risk.js';
import type { ActivityDeps } from './deps.js';
import type { PricedLine, RequestedLine, RevisedLines } from '../domain/order-lines.js';

/** The priced lines, or why they cannot be sold on this order. */
export type LinePricing = { ok: true; revised: RevisedLines } | { ok: false; problems: LineProblem[] };

type OrderRow = typeof orders.$inferSelect;

/** Edits and splits of an order's lines and address: priced with the shop's rules, written once per revision. */
export function createOrderEditActivities({ db, pricingRules }: Pick<ActivityDeps, 'db' | 'pricingRules'>) {
  /** Prices lines for an order the way placement would, keeping its coupon and at most the points it already redeemed. */
  async function priceLines(order: OrderRow, requested: RequestedLine[], backorder: boolean): Promise<LinePricing> {
    const skus = [...new Set(requested.map((line) => line.sku))];
    const catalog = new Map(
      (await db.select().from(products).where(inArray(products.sku, skus))).map((p) => [p.sku, p]),
    );
    const problems = checkCatalogLines(requested, catalog, order.type, pricingRules.currency);
    if (problems.length > 0) return { ok: false, problems };
    const [customer] = await db.select().from(customers).where(eq(customers.id, order.customerId));
    const priced = priceOrder(
      {
        lines: requested.map((line) => ({
          sku: line.sku,
          quantity: line.quantity,
          unitPrice: catalog.get(line.sku)!.priceMinor,
          category: catalog.get(line.sku)!.category,
        })),
        orderType: order.type,
        memberLevel: customer!.memberLevel,
        // The points this order redeemed are already off the balance: it may keep them, never take more.
        pointsBalance: backorder ? 0 : customer!.points + order.pointsRedeemed,
        pointsToRedeem: backorder ? 0 : order.pointsRedeemed,
        couponCode: backorder ? undefined : order.request.couponCode,
        shippingPaid: backorder,
      },
      pricingRules,
    );
    if (!priced.ok) return { ok: false, problems: priced.issues };
    const [history] = await db
      .select({ previous: count() })
      .from(orders)
      .where(and(eq(orders.customerId, order.customerId), lt(orders.id, order.id)));
    const lines = catalogLines(requested, catalog);
    return {
      ok: true,
      revised: {
        lines,
        pricing: priced.breakdown,
        review: assessRisk({
          type: order.type,
          total: priced.breakdown.total,
          lines,
          previousOrders: history?.previous ?? 0,
          // The pattern of orders around the placement was judged then; counting again now would count this order's own successors.
          velocity: velocityReasonsOf(order.review),
        }),
      },
    };
  }

  /** A back-order as it was written: its lines, price and review. */
  async function storedBackorder(order: OrderRow) {
    const lines = await db
      .select({
        lineNo: orderLines.lineNo,
        sku: orderLines.sku,
        quantity: orderLines.quantity,
        unitPrice: orderLines.unitPrice,
        madeToOrder: products.madeToOrder,
        customization: orderLines.customization,
      })
      .from(orderLines)
      .innerJoin(products, eq(products.sku, orderLines.sku))
      .where(eq(orderLines.orderId, order.id))
      .orderBy(asc(orderLines.lineNo));
    return {
      orderId: order.id,
      customerId: order.customerId,
      lines: lines.map(({ customization, ...line }) => ({ ...line, ...(customization ? { customization } : {}) })),
      pricing: order.pricing,
      review: order.review ?? { required: false, reasons: [] },
    };
  }

  async function findOrder(orderId: string): Promise<OrderRow> {
    const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
    if (!order) throw new Error(`order ${orderId} not found`);
    return order;
  }

  return {
    /** Prices new lines for an order with today's catalog and rules, its coupon and its redeemed points; writes nothing. */
    async priceOrderLines(input: { orderId: string; lines: RequestedLine[] }): Promise<LinePricing> {
      return priceLines(await findOrder(input.orderId), input.lines, false);
    },

    /** Writes an accepted edit (new lines and price, a new address) once per revision; points the order no longer needs go back. */
    async applyOrderEdit(input: {
      orderId: string;
      revision: number;
      lines?: RevisedLines | undefined;
      shippingAddress?: PlaceOrder['shippingAddress'] | undefined;
    }): Promise<{ pointsReturned: number }> {
      return db.transaction(async (tx) => {
        const [order] = await tx.select().from(orders).where(eq(orders.id, input.orderId)).for('update');
        if (!order || order.revision >= input.revision) return { pointsReturned: 0 };
        const { lines, shippingAddress } = input;
        const request: PlaceOrder = {
          ...order.request,
          ...(lines ? { lines: lines.lines.map(requestedLine) } : {}),
          ...(shippingAddress ? { shippingAddress: AddressSchema.parse(shippingAddress) } : {}),
        };
        const pointsReturned = lines ? order.pointsRedeemed - lines.pricing.pointsRedeemed : 0;
        await tx
          .update(orders)
          .set({
            request,
            revision: input.revision,
            updatedAt: sql`now()`,
            ...(lines
              ? {
                  pricing: lines.pricing,
                  total: lines.pricing.total,
                  pointsRedeemed: lines.pricing.pointsRedeemed,
                  review: lines.review,
                }
              : {}),
          })
          .where(eq(orders.id, input.orderId));
        if (lines) {
          await tx.delete(orderLines).where(eq(orderLines.orderId, input.orderId));
          await tx.insert(orderLines).values(lines.lines.map((line) => lineRow(input.orderId, line)));
        }
        if (pointsReturned > 0)
          await tx
            .update(customers)
            .set({ points: sql`${customers.points} + ${pointsReturned}` })
            .where(eq(customers.id, order.customerId));
        return { pointsReturned };
      });
    },

    /**
     * Opens the back-order of a split order: the lines stock could not cover, as an order of their own
     * without a second shipping fee. There is at most one per order; asking again returns it.
     */
    async createBackorder(input: {
      parentOrderId: string;
      lines: RequestedLine[];
    }): Promise<{ orderId: string; customerId: string; lines: PricedLine[]; pricing: PriceBreakdown; review: Review }> {
      const parent = await findOrder(input.parentOrderId);
      const [existing] = await db.select().from(orders).where(eq(orders.backorderOf, parent.id));
      if (existing) return storedBackorder(existing);
      const priced = await priceLines(parent, input.lines, true);
      if (!priced.ok)
        throw new Error(
          `back-order lines of ${parent.id} cannot be priced: ${priced.problems.map((p) => `${p.path.join('.')} ${p.message}`).join('; ')}`,
        );
      const { revised } = priced;
      const { couponCode: _coupon, pointsToRedeem: _points, externalId: _external, ...rest } = parent.request;
      const request: PlaceOrder = { ...rest, lines: input.lines, notes: `back-order of ${parent.id}` };
      const orderId = `ord_${ulid()}`;
      try {
        await db.transaction(async (tx) => {
          await tx.insert(orders).values({
            id: orderId,
            status: 'received',
            type: parent.type,
            channel: parent.channel,
            customerId: parent.customerId,
            request,
            pricing: revised.pricing,
            total: revised.pricing.total,
            currency: revised.pricing.currency,
            requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex'),
            review: revised.review,
            backorderOf: parent.id,
            // The caller who placed the order owns what was split from it.
            placedBy: parent.placedBy,
          });
          await tx.insert(orderLines).values(revised.lines.map((line) => lineRow(orderId, line)));
        });
      } catch (error) {
        // An earlier attempt of this activity got there first: its back-order is the one.
        if (!isUniqueViolation(error)) throw error;
        const [winner] = await db.select().from(orders).where(eq(orders.backorderOf, parent.id));
        return storedBackorder(winner!);
      }
      return {
        orderId,
        customerId: parent.customerId,
        lines: revised.lines,
        pricing: revised.pricing,
        review: revised.review,
      };
    },
  };
}

/** A priced line as the order request records it. */
function requestedLine(line: PricedLine): RequestedLine {
  return {
    sku: line.sku,
    quantity: line.quantity,
    ...(line.customization ? { customization: line.customization } : {}),
  };
}

/** A priced line as an `order_lines` row. */
function lineRow(orderId: string, line: PricedLine): typeof orderLines.$inferInsert {
  return {
    orderId,
    lineNo: line.lineNo,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    customization: line.customization ?? null,
  };
}
