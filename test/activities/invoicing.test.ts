import { ApplicationFailure } from '@temporalio/common';
import { eq, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { invoiceContentHash } from '../../activities/invoice-content-hash.js';
import { createInvoicingActivities } from '../../activities/invoicing.js';
import { createDatabase } from '../../db/client.js';
import { invoiceSequences, invoices, notifications, orders } from '../../db/schema.js';
import { priceOrder, type PriceBreakdown } from '../../domain/pricing.js';
import { defaultPricingRules } from '../../domain/pricing-rules.js';
import { createSandboxNotifier } from '../../sandbox/notifier.js';
import { orderRequest } from '../support/fixtures.js';

const database = createDatabase(inject('databaseUrl'), { max: 20 });
const { db } = database;
const invoicing = createInvoicingActivities({ db, notifier: createSandboxNotifier(db) });
const series = `INV-${new Date().getUTCFullYear()}`;

afterAll(() => database.close());

/** Grace (gold member) buys two packs of tea and a teapot, priced by the real rules. */
function gracesPricing(): PriceBreakdown {
  const result = priceOrder(
    {
      lines: [
        { sku: 'TEA-001', quantity: 2, unitPrice: 890, category: 'tea' },
        { sku: 'ACC-001', quantity: 1, unitPrice: 3_490, category: 'accessories' },
      ],
      orderType: 'regular',
      memberLevel: 'gold',
      pointsBalance: 1_200,
      pointsToRedeem: 200,
    },
    defaultPricingRules('EUR'),
  );
  if (!result.ok) throw new Error('the fixture order does not price');
  return result.breakdown;
}

/** Records a paid order of Grace's as placement would; `pricing` may be overridden to break it. */
async function newOrder(pricing: PriceBreakdown = gracesPricing()): Promise<string> {
  const id = `ord_${ulid()}`;
  const request = orderRequest(
    [
      { sku: 'TEA-001', quantity: 2 },
      { sku: 'ACC-001', quantity: 1 },
    ],
    {
      customer: { name: 'Grace Hopper', email: 'grace@example.com', phone: '+1 202 555 0142' },
      pointsToRedeem: 200,
    },
  );
  await db.insert(orders).values({
    id,
    status: 'shipped',
    type: 'regular',
    channel: 'web',
    customerId: 'cus_grace',
    request,
    pricing,
    total: pricing.total,
    currency: pricing.currency,
    requestHash: id,
  });
  return id;
}

/** The next number the series would hand out. */
async function nextNumber(): Promise<number> {
  const [row] = await db
    .select({ next: invoiceSequences.next })
    .from(invoiceSequences)
    .where(eq(invoiceSequences.series, series));
  return row?.next ?? 1;
}

const numbered = (value: number) => `${series}-${String(value).padStart(6, '0')}`;

/** The Postgres error behind a refused statement (drizzle wraps it). */
async function refusal(statement: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await statement.then(
    () => expect.unreachable('the statement was accepted'),
    (caught: Error & { cause?: Error & { code?: string } }) => caught,
  );
  return error.cause ?? error;
}

describe('issueInvoice', () => {
  it('archives the order as an invoice whose stored content still hashes to its content hash', async () => {
    const orderId = await newOrder();
    const pricing = gracesPricing();
    const issued = await invoicing.issueInvoice({ orderId });
    expect(issued).toMatchObject({ total: pricing.total, currency: 'EUR' });
    expect(issued.number).toMatch(/^INV-\d{4}-\d{6}$/);

    const [row] = await db.select().from(invoices).where(eq(invoices.number, issued.number));
    expect(row).toMatchObject({
      orderId,
      kind: 'invoice',
      customerId: 'cus_grace',
      billTo: {
        name: 'Grace Hopper',
        email: 'grace@example.com',
        address: expect.objectContaining({ city: 'Berlin', postalCode: '10117' }),
      },
      lines: [
        { sku: 'TEA-001', description: 'Sencha green tea 100 g', quantity: 2, unitPrice: 890, lineTotal: 1_780 },
        { sku: 'ACC-001', description: 'Glass teapot 1 l', quantity: 1, unitPrice: 3_490, lineTotal: 3_490 },
      ],
      subtotal: 5_270,
      discountTotal: pricing.discounts.reduce((sum, d) => sum + d.amount, 0),
      shipping: pricing.shipping,
      tax: pricing.tax,
      total: pricing.total,
      deliveredAt: null,
      contentHash: issued.contentHash,
    });
    expect(row!.discountTotal).toBeGreaterThan(0);
    expect(row!.subtotal - row!.discountTotal + row!.shipping + row!.tax).toBe(row!.total);
    // Read back from jsonb, nested keys come out in another order: the hash must not depend on it.
    expect(invoiceContentHash({ ...row!, issuedAt: row!.issuedAt.toISOString() })).toBe(issued.contentHash);
  });

  it('gives 10 concurrent invoices 10 consecutive numbers with no gap', async () => {
    const orderIds = await Promise.all(Array.from({ length: 10 }, () => newOrder()));
    const before = await nextNumber();
    const issued = await Promise.all(orderIds.map((orderId) => invoicing.issueInvoice({ orderId })));
    expect(await nextNumber()).toBe(before + 10);
    expect(issued.map((i) => i.number).sort()).toEqual(Array.from({ length: 10 }, (_, i) => numbered(before + i)));
  });

  it('refuses a missing order for good and consumes no number', async () => {
    const before = await nextNumber();
    const failure = await invoicing.issueInvoice({ orderId: `ord_${ulid()}` }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'OrderNotFound', nonRetryable: true });
    expect(await nextNumber()).toBe(before);
  });

  it('gives back the number when issuing fails after taking it', async () => {
    const broken = { ...gracesPricing(), discounts: undefined } as unknown as PriceBreakdown;
    const orderId = await newOrder(broken);
    const before = await nextNumber();
    await expect(invoicing.issueInvoice({ orderId })).rejects.toThrow();
    expect(await nextNumber()).toBe(before);
    const next = await invoicing.issueInvoice({ orderId: await newOrder() });
    expect(next.number).toBe(numbered(before));
  });

  it('issues one invoice per order, whether asked again later or several times at once', async () => {
    const orderId = await newOrder();
    const first = await invoicing.issueInvoice({ orderId });
    expect(await invoicing.issueInvoice({ orderId })).toEqual(first);

    const raced = await newOrder();
    const before = await nextNumber();
    const results = await Promise.all(Array.from({ length: 5 }, () => invoicing.issueInvoice({ orderId: raced })));
    expect(new Set(results.map((r) => r.number)).size).toBe(1);
    expect(results.every((r) => r.contentHash === results[0]!.contentHash)).toBe(true);
    expect(await db.select().from(invoices).where(eq(invoices.orderId, raced))).toHaveLength(1);
    expect(await nextNumber()).toBe(before + 1);
  });
});

describe('the invoice archive', () => {
  it('refuses to change or delete an issued invoice', async () => {
    const { number, total } = await invoicing.issueInvoice({ orderId: await newOrder() });
    const changed = await refusal(
      db
        .update(invoices)
        .set({ total: total - 1 })
        .where(eq(invoices.number, number)),
    );
    expect(changed).toMatchObject({ code: '23000', message: expect.stringContaining('cannot be changed') });
    const deleted = await refusal(db.delete(invoices).where(eq(invoices.number, number)));
    expect(deleted).toMatchObject({ code: '23000', message: expect.stringContaining('cannot be deleted') });
    const [row] = await db.select().from(invoices).where(eq(invoices.number, number));
    expect(row!.total).toBe(total);
  });

  it('lets the delivery time be filled once and never changed after', async () => {
    const { number } = await invoicing.issueInvoice({ orderId: await newOrder() });
    await db
      .update(invoices)
      .set({ deliveredAt: sql`now()` })
      .where(eq(invoices.number, number));
    const [delivered] = await db.select().from(invoices).where(eq(invoices.number, number));
    expect(delivered!.deliveredAt).toBeInstanceOf(Date);

    const moved = await refusal(
      db
        .update(invoices)
        .set({ deliveredAt: new Date(Date.now() + 86_400_000) })
        .where(eq(invoices.number, number)),
    );
    expect(moved.code).toBe('23000');
    const cleared = await refusal(db.update(invoices).set({ deliveredAt: null }).where(eq(invoices.number, number)));
    expect(cleared.code).toBe('23000');
    const [after] = await db.select().from(invoices).where(eq(invoices.number, number));
    expect(after!.deliveredAt).toEqual(delivered!.deliveredAt);
  });
});

describe('deliverInvoice', () => {
  it('e-mails the invoice once and records the first delivery time', async () => {
    const orderId = await newOrder();
    const issued = await invoicing.issueInvoice({ orderId });
    expect(await invoicing.deliverInvoice({ orderId, number: issued.number })).toEqual({ sent: true });
    const [first] = await db.select().from(invoices).where(eq(invoices.number, issued.number));
    expect(first!.deliveredAt).toBeInstanceOf(Date);

    expect(await invoicing.deliverInvoice({ orderId, number: issued.number })).toEqual({ sent: false });
    const sent = await db.select().from(notifications).where(eq(notifications.orderId, orderId));
    expect(sent).toEqual([
      expect.objectContaining({
        template: 'invoice',
        channel: 'email',
        recipient: 'grace@example.com',
        dedupeKey: `invoice:${issued.number}`,
        payload: { number: issued.number, total: issued.total, currency: 'EUR', contentHash: issued.contentHash },
      }),
    ]);
    const [second] = await db.select().from(invoices).where(eq(invoices.number, issued.number));
    expect(second!.deliveredAt).toEqual(first!.deliveredAt);
  });

  it("refuses an invoice number that is not the order's", async () => {
    const issued = await invoicing.issueInvoice({ orderId: await newOrder() });
    const failure = await invoicing
      .deliverInvoice({ orderId: await newOrder(), number: issued.number })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'InvoiceNotFound', nonRetryable: true });
  });
});
