import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invoiceContentHash } from '../../activities/invoice-content-hash.js';
import type { Database } from '../../db/client.js';
import { invoices, orders } from '../../db/schema.js';
import { callerOf, type Auth } from '../auth.js';
import { visibleTo } from '../orders/order-access.js';
import { Problem, ProblemSchema } from '../problems.js';

const Money = z.number().int().describe('minor units');

/** An archived invoice, with a fresh check of its content hash. */
export const InvoiceSchema = z.object({
  number: z.string(),
  orderId: z.string(),
  kind: z.enum(['invoice', 'credit_note']),
  creditsInvoice: z.string().nullable().describe('for a credit note: the invoice it voids'),
  customerId: z.string(),
  billTo: z.record(z.string(), z.unknown()).describe('name, email and address'),
  lines: z.array(z.record(z.string(), z.unknown())).describe('sku, description, quantity, unitPrice and lineTotal'),
  subtotal: Money,
  discountTotal: Money,
  shipping: Money,
  tax: Money,
  total: Money,
  currency: z.string(),
  issuedAt: z.string(),
  deliveredAt: z.string().nullable(),
  contentHash: z.string(),
  integrity: z.enum(['verified', 'mismatch']).describe('whether the stored content still hashes to contentHash'),
});

/** Invoices: read an issued invoice from the archive, with its integrity checked. */
export const invoiceRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/invoices/:number',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['invoices'],
        summary: 'Read an archived invoice',
        description: 'A service key reads only the invoices and credit notes of orders it placed; others are 404.',
        params: z.object({
          number: z
            .string()
            .regex(/^(INV|CN)-\d{4}-\d{6}$/, 'must be an invoice or credit note number such as INV-2026-000001'),
        }),
        response: {
          200: InvoiceSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const [found] = await db
        .select({ row: invoices })
        .from(invoices)
        .innerJoin(orders, eq(orders.id, invoices.orderId))
        .where(and(eq(invoices.number, request.params.number), visibleTo(callerOf(request))));
      const row = found?.row;
      if (!row)
        throw new Problem(
          404,
          'invoice-not-found',
          'Invoice not found',
          `There is no invoice ${request.params.number}.`,
        );
      const content = {
        number: row.number,
        orderId: row.orderId,
        kind: row.kind,
        creditsInvoice: row.creditsInvoice,
        customerId: row.customerId,
        billTo: row.billTo,
        lines: row.lines,
        subtotal: row.subtotal,
        discountTotal: row.discountTotal,
        shipping: row.shipping,
        tax: row.tax,
        total: row.total,
        currency: row.currency,
        issuedAt: row.issuedAt.toISOString(),
      };
      const integrity: 'verified' | 'mismatch' =
        invoiceContentHash(content) === row.contentHash ? 'verified' : 'mismatch';
      return {
        ...content,
        deliveredAt: row.deliveredAt?.toISOString() ?? null,
        contentHash: row.contentHash,
        integrity,
      };
    },
  );
};
