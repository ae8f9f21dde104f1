import { ApplicationFailure } from '@temporalio/common';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { invoiceSequences, invoices, orders, products } from '../db/schema.js';
import { FailureType } from '../domain/failure-types.js';
import type { ActivityDeps } from './deps.js';
import { invoiceContentHash, type InvoiceContent } from './invoice-content-hash.js';
import { isUniqueViolation } from '../db/errors.js';

/** What the workflow learns about an issued invoice. */
export interface IssuedInvoice {
  number: string;
  total: number;
  currency: string;
  contentHash: string;
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Invoices issued from the order: gap-free numbers, an immutable archive with a content hash, delivery by e-mail. */
export function createInvoicingActivities({ db, notifier }: Pick<ActivityDeps, 'db' | 'notifier'>) {
  return {
    /** Issues the order's invoice once; a repeat, or a concurrent attempt, returns the invoice already issued. */
    async issueInvoice(input: { orderId: string }): Promise<IssuedInvoice> {
      const already = await findInvoice(db, input.orderId);
      if (already) return already;
      try {
        return await db.transaction(async (tx) => {
          const [order] = await tx.select().from(orders).where(eq(orders.id, input.orderId));
          if (!order)
            throw ApplicationFailure.nonRetryable(
              `There is no order ${input.orderId} to invoice.`,
              FailureType.OrderNotFound,
            );
          const issuedAt = new Date();
          const number = await allocateNumber(tx, `INV-${issuedAt.getUTCFullYear()}`);
          const content = await invoiceContent(tx, order, number, issuedAt);
          const [row] = await tx
            .insert(invoices)
            .values({ ...content, issuedAt, contentHash: invoiceContentHash(content) })
            .returning();
          return toIssued(row!);
        });
      } catch (error) {
        // A concurrent attempt for the same order won: its invoice is the one, and our rolled-back number is free again.
        if (isUniqueViolation(error)) {
          const winner = await findInvoice(db, input.orderId);
          if (winner) return winner;
        }
        throw error;
      }
    },

    /** Voids the order's invoice with a credit note for the full amount; once per order, nothing when there is no invoice. */
    async issueCreditNote(input: { orderId: string }): Promise<IssuedInvoice | null> {
      const existing = await findInvoice(db, input.orderId, 'credit_note');
      if (existing) return existing;
      const [invoice] = await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.orderId, input.orderId), eq(invoices.kind, 'invoice')));
      if (!invoice) return null;
      try {
        return await db.transaction(async (tx) => {
          const issuedAt = new Date();
          const number = await allocateNumber(tx, `CN-${issuedAt.getUTCFullYear()}`);
          const { contentHash: _voided, deliveredAt: _delivered, ...copied } = invoice;
          const content = {
            ...copied,
            number,
            kind: 'credit_note' as const,
            creditsInvoice: invoice.number,
            issuedAt: issuedAt.toISOString(),
          };
          const [row] = await tx
            .insert(invoices)
            .values({ ...content, issuedAt, contentHash: invoiceContentHash(content) })
            .returning();
          return toIssued(row!);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          const winner = await findInvoice(db, input.orderId, 'credit_note');
          if (winner) return winner;
        }
        throw error;
      }
    },

    /** E-mails the invoice to the customer once and notes when it first went out. */
    async deliverInvoice(input: { orderId: string; number: string }): Promise<{ sent: boolean }> {
      const [invoice] = await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.number, input.number), eq(invoices.orderId, input.orderId)));
      if (!invoice)
        throw ApplicationFailure.nonRetryable(
          `Order ${input.orderId} has no invoice ${input.number}.`,
          'InvoiceNotFound',
        );
      const result = await notifier.send({
        orderId: invoice.orderId,
        template: 'invoice',
        channel: 'email',
        recipient: String(invoice.billTo.email),
        dedupeKey: `invoice:${invoice.number}`,
        payload: {
          number: invoice.number,
          total: invoice.total,
          currency: invoice.currency,
          contentHash: invoice.contentHash,
        },
      });
      // The archive trigger lets delivered_at be filled once; a retry finds it set and leaves it.
      await db
        .update(invoices)
        .set({ deliveredAt: sql`now()` })
        .where(and(eq(invoices.number, invoice.number), isNull(invoices.deliveredAt)));
      return result;
    },
  };
}

async function findInvoice(
  db: Database,
  orderId: string,
  kind: 'invoice' | 'credit_note' = 'invoice',
): Promise<IssuedInvoice | undefined> {
  const [row] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orderId, orderId), eq(invoices.kind, kind)));
  return row ? toIssued(row) : undefined;
}

/** Takes the next number of a series; the sequence row stays locked until commit, and a rollback gives the number back. */
async function allocateNumber(tx: Transaction, series: string): Promise<string> {
  const [allocated] = await tx
    .insert(invoiceSequences)
    .values({ series, next: 2 })
    .onConflictDoUpdate({ target: invoiceSequences.series, set: { next: sql`${invoiceSequences.next} + 1` } })
    .returning({ value: sql<number>`${invoiceSequences.next} - 1` });
  return `${series}-${String(allocated!.value).padStart(6, '0')}`;
}

async function invoiceContent(
  tx: Transaction,
  order: typeof orders.$inferSelect,
  number: string,
  issuedAt: Date,
): Promise<InvoiceContent & { kind: 'invoice' }> {
  const { pricing, request } = order;
  const catalog = await tx
    .select({ sku: products.sku, name: products.name })
    .from(products)
    .where(
      inArray(
        products.sku,
        pricing.lines.map((line) => line.sku),
      ),
    );
  const names = new Map(catalog.map((product) => [product.sku, product.name]));
  return {
    number,
    orderId: order.id,
    kind: 'invoice',
    customerId: order.customerId,
    billTo: { name: request.customer.name, email: request.customer.email, address: request.shippingAddress },
    lines: pricing.lines.map((line) => ({
      sku: line.sku,
      description: names.get(line.sku) ?? line.sku,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    })),
    subtotal: pricing.subtotal,
    discountTotal: pricing.discounts.reduce((sum, discount) => sum + discount.amount, 0),
    shipping: pricing.shipping,
    tax: pricing.tax,
    total: pricing.total,
    currency: pricing.currency,
    issuedAt: issuedAt.toISOString(),
  };
}

const toIssued = (row: typeof invoices.$inferSelect): IssuedInvoice => ({
  number: row.number,
  total: row.total,
  currency: row.currency,
  contentHash: row.contentHash,
});
