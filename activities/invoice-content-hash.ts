import { createHash } from 'node:crypto';

/** The archived content of an invoice: everything its hash covers. */
export interface InvoiceContent {
  number: string;
  orderId: string;
  kind: string;
  creditsInvoice?: string | null;
  customerId: string;
  billTo: Record<string, unknown>;
  lines: Array<Record<string, unknown>>;
  subtotal: number;
  discountTotal: number;
  shipping: number;
  tax: number;
  total: number;
  currency: string;
  issuedAt: string;
}

/** SHA-256 (hex) of the invoice content in a fixed field order: recomputing it later proves the archive is untouched. */
export function invoiceContentHash(invoice: InvoiceContent): string {
  const {
    number,
    orderId,
    kind,
    customerId,
    billTo,
    lines,
    subtotal,
    discountTotal,
    shipping,
    tax,
    total,
    currency,
    issuedAt,
  } = invoice;
  const creditsInvoice = invoice.creditsInvoice ?? null;
  const canonical = JSON.stringify({
    number,
    orderId,
    kind,
    creditsInvoice,
    customerId,
    billTo: sortKeys(billTo),
    lines: sortKeys(lines),
    subtotal,
    discountTotal,
    shipping,
    tax,
    total,
    currency,
    issuedAt,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

// jsonb stores object keys in its own order, so nested objects read back differently than written: sort them.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
