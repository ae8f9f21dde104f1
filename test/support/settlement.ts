import { and, asc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { payments, products } from '../../db/schema.js';
import type { OrderResource } from '../../api/orders/order-resource.js';
import { asAdmin, asSupport, getOrder, postOrder, waitForStatus } from './http.js';
import { createProduct, orderRequest } from './fixtures.js';
import type { TestStack } from './stack.js';

/** A settlement as `GET /v1/settlements/:id` answers it (the fields tests read). */
export interface SettlementBody {
  id: string;
  status: string;
  flagged: boolean;
  totals: { captured: number; refunded: number; chargebacks: number; fees: number; net: number } | null;
  lineCount: number;
  lines: Array<{ transactionId: string; orderId: string | null; kind: string; amount: number; fee: number }>;
  discrepancies: Array<{
    kind: string;
    transactionId: string;
    orderId: string | null;
    expected: number | null;
    actual: number | null;
    resolution: string | null;
  }>;
  payout: { id: string; amount: number; status: string } | null;
}

/** A product of this test's own, priced in the stack's currency (settlement tests each sell in a currency of their own). */
export async function createProductIn(stack: TestStack, priceMinor: number): Promise<string> {
  const sku = await createProduct(stack.db, { priceMinor, lots: [{ onHand: 100 }] });
  await stack.db.update(products).set({ currency: stack.config.currency }).where(eq(products.sku, sku));
  return sku;
}

/** Places an order for `quantity` of `sku` and waits until it asks for payment. */
export async function orderAwaitingPayment(stack: TestStack, sku: string, quantity = 1): Promise<OrderResource> {
  const response = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
  expect(response.statusCode).toBe(201);
  return waitForStatus(stack.app, response.json<{ id: string }>().id, 'awaiting_payment');
}

/** Makes the sandbox provider capture on an intent, with or without its webhook. */
export async function captureAtProvider(
  stack: TestStack,
  paymentIntentId: string,
  amount: number,
  deliverWebhook = true,
): Promise<{ transactionId: string; eventId: string }> {
  const response = await stack.app.inject({
    method: 'POST',
    url: '/v1/test-helpers/payments/captures',
    headers: asAdmin,
    payload: { paymentIntentId, amount, deliverWebhook },
  });
  expect(response.statusCode, response.body).toBe(201);
  expect(response.json().webhookDelivered).toBe(deliverWebhook);
  return response.json();
}

/** The provider's statement entries for a period in the stack's currency, all pages. */
export async function statementOf(stack: TestStack, from: string, to: string) {
  const entries: Array<{ transactionId: string; kind: string; amount: number; orderId: string | null }> = [];
  let cursor: string | null = null;
  do {
    const query: string = new URLSearchParams({
      from,
      to,
      currency: stack.config.currency,
      ...(cursor ? { cursor } : {}),
    }).toString();
    const response = await stack.app.inject({
      method: 'GET',
      url: `/v1/test-helpers/payments/statement?${query}`,
      headers: asAdmin,
    });
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<{ items: typeof entries; nextCursor: string | null }>();
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/** Asks for a settlement of the period and waits until its run has ended. */
export async function settle(stack: TestStack, periodStart: string, periodEnd: string): Promise<SettlementBody> {
  const started = await stack.app.inject({
    method: 'POST',
    url: '/v1/settlements/runs',
    headers: asAdmin,
    payload: { cycle: 'daily', periodStart, periodEnd, currency: stack.config.currency },
  });
  expect(started.statusCode, started.body).toBe(202);
  const { id } = started.json<{ id: string }>();
  // The run ends after its payout; the settlement then no longer changes.
  await stack.client.workflow.getHandle(id).result();
  const response = await stack.app.inject({ method: 'GET', url: `/v1/settlements/${id}`, headers: asSupport });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<SettlementBody>();
}

/** The fee a credit-card capture pays under the default table: 2.9 % (half up) + 30. */
export const cardFee = (amount: number) => Math.floor((amount * 290 + 5_000) / 10_000) + 30;

/** Re-reads an order. */
export const reread = (stack: TestStack, order: { id: string }) => getOrder(stack.app, order.id);

/** An order held for review (21 units of a product of its own), paid through the sandbox provider's capture. */
export async function paidOrderInReview(stack: TestStack): Promise<OrderResource> {
  const sku = await createProduct(stack.db, { lots: [{ onHand: 30 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 21 }]));
  expect(placed.statusCode).toBe(201);
  const orderId: string = placed.json().id;
  const order = await waitForStatus(stack.app, orderId, 'awaiting_payment');
  await captureAtProvider(stack, order.payment.intentId!, order.pricing.total);
  return waitForStatus(stack.app, orderId, 'awaiting_confirmation');
}

/** The order's refunds in the ledger, oldest first. */
export const refundRowsOf = (stack: TestStack, orderId: string) =>
  stack.db
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.kind, 'refund')))
    .orderBy(asc(payments.id));
