import { eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoicingActivities } from '../../activities/invoicing.js';
import { invoices, orders } from '../../db/schema.js';
import { priceOrder } from '../../domain/pricing.js';
import { defaultPricingRules } from '../../domain/pricing-rules.js';
import { createSandboxNotifier } from '../../sandbox/notifier.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asService, asSupport } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sku: string;

beforeAll(async () => {
  stack = await startTestStack();
  sku = await createProduct(stack.db, { priceMinor: 4_000, lots: [{ onHand: 5 }] });
});
afterAll(() => stack.close());

/** Records a priced order directly (no workflow needed to invoice it) and issues its invoice. */
async function issuedInvoice() {
  const orderId = `ord_${ulid()}`;
  const priced = priceOrder(
    {
      lines: [{ sku, quantity: 2, unitPrice: 4_000, category: 'tea' }],
      orderType: 'regular',
      memberLevel: 'standard',
      pointsBalance: 0,
      pointsToRedeem: 0,
    },
    defaultPricingRules('EUR'),
  );
  if (!priced.ok) throw new Error('the fixture order does not price');
  const pricing = priced.breakdown;
  await stack.db.insert(orders).values({
    id: orderId,
    status: 'shipped',
    type: 'regular',
    channel: 'web',
    customerId: 'cus_linus',
    request: orderRequest([{ sku, quantity: 2 }]),
    pricing,
    total: pricing.total,
    currency: pricing.currency,
    requestHash: orderId,
    placedBy: 'service',
  });
  const invoicing = createInvoicingActivities({ db: stack.db, notifier: createSandboxNotifier(stack.db) });
  return { orderId, pricing, ...(await invoicing.issueInvoice({ orderId })) };
}

const getInvoice = (number: string, headers: Record<string, string> = asService) =>
  stack.app.inject({ method: 'GET', url: `/v1/invoices/${number}`, headers });

describe('GET /v1/invoices/:number', () => {
  it('returns the archived invoice with its integrity verified', async () => {
    const { orderId, pricing, number, contentHash } = await issuedInvoice();
    const response = await getInvoice(number, asSupport);
    expect(response.statusCode).toBe(200);
    const invoice = response.json();
    expect(invoice).toMatchObject({
      number,
      orderId,
      kind: 'invoice',
      customerId: 'cus_linus',
      billTo: { name: 'Test Customer', address: expect.objectContaining({ city: 'Berlin' }) },
      lines: [{ sku, description: `Test product ${sku}`, quantity: 2, unitPrice: 4_000, lineTotal: 8_000 }],
      subtotal: 8_000,
      shipping: pricing.shipping,
      tax: pricing.tax,
      total: pricing.total,
      currency: 'EUR',
      deliveredAt: null,
      contentHash,
      integrity: 'verified',
    });
    expect(new Date(invoice.issuedAt).toISOString()).toBe(invoice.issuedAt);
  });

  it('reports a mismatch when the stored content no longer hashes to its content hash', async () => {
    const { number } = await issuedInvoice();
    const [original] = await stack.db.select().from(invoices).where(eq(invoices.number, number));
    // The archive refuses updates, so plant a forged copy under an unused number of a past year.
    const forged = `INV-1990-${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`;
    await stack.db
      .insert(invoices)
      .values({ ...original!, number: forged, kind: 'credit_note', total: original!.total - 100, deliveredAt: null });
    const response = await getInvoice(forged);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ number: forged, integrity: 'mismatch' });
  });

  it('answers an unknown number with a 404 problem and a malformed one with a 400 problem', async () => {
    const unknown = await getInvoice('INV-1999-000001');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.json()).toMatchObject({ type: '/problems/invoice-not-found', status: 404 });

    for (const malformed of ['42', 'INV-2026-1', 'inv-2026-000001']) {
      const response = await getInvoice(malformed);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        type: '/problems/validation-error',
        errors: [expect.objectContaining({ path: 'number' })],
      });
    }
  });

  it('needs an API key', async () => {
    const { number } = await issuedInvoice();
    const anonymous = await getInvoice(number, {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ type: '/problems/unauthorized' });
    expect((await getInvoice(number, { authorization: 'Bearer not-a-known-key' })).statusCode).toBe(401);
  });
});
