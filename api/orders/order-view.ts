import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { invoices, orderEvents, orderLines, orders, payments, reservations, shipments } from '../../db/schema.js';
import { allowedActions, TERMINAL_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { visibleCustomerId, type Caller } from '../../domain/caller.js';
import type { OrderResource } from './order-resource.js';
import { readOrderProduction } from './production-view.js';

/**
 * One refund as the order shows it. A refund we asked for was requested when we booked it; one made
 * at the provider, or booked before refunds waited for confirmation, when its money moved.
 */
function refundView(row: typeof payments.$inferSelect) {
  const confirmedAt = row.status === 'succeeded' ? row.occurredAt.toISOString() : null;
  return {
    refundId: row.transactionId,
    amount: row.amount,
    status: row.status,
    requestedAt: (row.idempotencyKey ? row.createdAt : row.occurredAt).toISOString(),
    confirmedAt,
    reason: row.failureReason,
  };
}

/** Reads one order from the read model in Postgres, as `caller` may see it; undefined when there is no such order. */
export async function readOrder(db: Database, orderId: string, caller: Caller): Promise<OrderResource | undefined> {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return undefined;
  const [lines, held, ledger, milestones, [shipment], [invoice], [backorder], production] = await Promise.all([
    db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNo)),
    db.select().from(reservations).where(eq(reservations.orderId, orderId)).orderBy(asc(reservations.id)),
    db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id)),
    db
      .select({ name: orderEvents.name, at: orderEvents.at })
      .from(orderEvents)
      .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.kind, 'milestone')))
      .orderBy(asc(orderEvents.seq)),
    db.select().from(shipments).where(eq(shipments.orderId, orderId)),
    db
      .select()
      .from(invoices)
      .where(and(eq(invoices.orderId, orderId), eq(invoices.kind, 'invoice'))),
    db.select({ id: orders.id }).from(orders).where(eq(orders.backorderOf, orderId)),
    readOrderProduction(db, orderId),
  ]);
  const status = order.status as OrderStatus;
  const sum = (kind: string) => ledger.filter((p) => p.kind === kind).reduce((total, p) => total + p.amount, 0);
  const amountPaid = sum('capture');
  const amountRefunded = sum('refund');
  const refunds = ledger.filter((p) => p.kind === 'refund');
  const last = ledger.at(-1);
  const paymentStatus =
    amountPaid > 0
      ? amountRefunded >= amountPaid
        ? 'refunded'
        : 'captured'
      : last?.kind === 'failure'
        ? 'failed'
        : order.paymentIntentId
          ? 'pending'
          : 'not_requested';
  return {
    id: order.id,
    status,
    type: order.type,
    channel: order.channel,
    externalId: order.externalId,
    customerId: visibleCustomerId(caller, order.customerId, order.request.customer.id !== undefined),
    lines: lines.map((line) => ({
      lineNo: line.lineNo,
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      customization: line.customization ?? null,
      allocation: held
        .filter((r) => r.lineNo === line.lineNo)
        .map((r) => ({ warehouseId: r.warehouseId, lotId: r.lotId, quantity: r.quantity, status: r.status })),
    })),
    pricing: order.pricing,
    payment: {
      intentId: order.paymentIntentId,
      status: paymentStatus,
      amountPaid,
      amountRefunded,
      amountDue: TERMINAL_STATUSES.has(status) ? 0 : Math.max(0, order.total - (amountPaid - amountRefunded)),
      refundsPending: refunds.filter((r) => r.status === 'pending').reduce((total, r) => total + r.amount, 0),
      refunds: refunds.map(refundView),
    },
    shipment: shipment
      ? {
          carrier: shipment.carrierId,
          service: shipment.service,
          trackingNumber: shipment.trackingNumber,
          status: shipment.status,
          cost: shipment.cost,
          eta: shipment.eta.toISOString(),
          pickedUpAt: shipment.pickedUpAt?.toISOString() ?? null,
          deliveredAt: shipment.deliveredAt?.toISOString() ?? null,
        }
      : null,
    invoice: invoice
      ? {
          number: invoice.number,
          status: invoice.deliveredAt ? 'delivered' : 'issued',
          total: invoice.total,
          issuedAt: invoice.issuedAt.toISOString(),
        }
      : null,
    review: order.review ?? null,
    production,
    milestones: milestones.map((m) => ({ name: m.name, at: m.at.toISOString() })),
    allowedActions: allowedActions(status),
    flags: order.flags,
    hold: order.holdReason ? { reason: order.holdReason } : null,
    revision: order.revision,
    backorderOf: order.backorderOf,
    backorderId: backorder?.id ?? null,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
