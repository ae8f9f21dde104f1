import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '../../ports/webhook-signature.js';
import type { OrderResource, TimelineEntrySchema } from '../../api/orders/order-resource.js';
import type { z } from 'zod';

type App = Pick<FastifyInstance, 'inject'>;

/** Bearer headers for the dev keys. */
export const asService = { authorization: 'Bearer dev-service-key' };
/** Bearer headers for the support dev key. */
export const asSupport = { authorization: 'Bearer dev-support-key' };
/** Bearer headers for a second service, the marketplace (its own orders only). */
export const asMarketplace = { authorization: 'Bearer dev-marketplace-key' };
/** Bearer headers for the inventory dev key (stock receipts). */
export const asInventory = { authorization: 'Bearer dev-inventory-key' };
/** Bearer headers for the admin dev key. */
export const asAdmin = { authorization: 'Bearer dev-admin-key' };

/** POST /v1/orders as the service role. */
export function postOrder(app: App, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/orders',
    headers: { ...asService, ...headers },
    payload: body as object,
  });
}

/** GET /v1/orders/:id as support, parsed. */
export async function getOrder(app: App, id: string): Promise<OrderResource> {
  const response = await app.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: asSupport });
  if (response.statusCode !== 200) throw new Error(`GET order ${id}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** One entry of an order's timeline. */
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/** GET /v1/orders/:id/timeline as support: its entries, oldest first. */
export async function getTimeline(app: App, id: string): Promise<TimelineEntry[]> {
  const response = await app.inject({ method: 'GET', url: `/v1/orders/${id}/timeline`, headers: asSupport });
  if (response.statusCode !== 200) throw new Error(`GET timeline ${id}: ${response.statusCode} ${response.body}`);
  return response.json().entries;
}

/**
 * Polls the read model until the order reaches `status`, or fails with the last status seen. A 503 (the
 * database just came back, a pooled connection still met the old server) is a read to try again, as a
 * client would; any other answer fails at once.
 */
export async function waitForStatus(app: App, id: string, status: string, timeoutMs = 20_000): Promise<OrderResource> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: asSupport });
    if (response.statusCode !== 200 && response.statusCode !== 503)
      throw new Error(`GET order ${id}: ${response.statusCode} ${response.body}`);
    const seen = response.statusCode === 200 ? response.json<OrderResource>() : undefined;
    if (seen?.status === status) return seen;
    if (Date.now() > deadline)
      throw new Error(`order ${id} stayed ${seen?.status ?? `unreadable (${response.body})`}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends a signed payment-provider webhook for an order. */
export function sendPaymentWebhook(
  app: App,
  order: Pick<OrderResource, 'id' | 'payment' | 'pricing'>,
  overrides: Record<string, unknown> = {},
  secret = 'dev-webhook-secret',
) {
  const body = JSON.stringify({
    id: `evt_${randomUUID()}`,
    type: 'payment.succeeded',
    orderId: order.id,
    paymentIntentId: order.payment.intentId,
    transactionId: `txn_${randomUUID()}`,
    amount: order.pricing.total,
    currency: order.pricing.currency,
    occurredAt: new Date().toISOString(),
    ...overrides,
  });
  return app.inject({
    method: 'POST',
    url: '/v1/webhooks/payments',
    headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, secret) },
    payload: body,
  });
}

/** Sends a signed carrier tracking webhook. */
export function sendCarrierWebhook(
  app: App,
  shipment: { carrier: string; trackingNumber: string },
  type: string,
  overrides: Record<string, unknown> = {},
  secret = 'dev-webhook-secret',
) {
  const body = JSON.stringify({
    id: `trk_${randomUUID()}`,
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    type,
    occurredAt: new Date().toISOString(),
    location: 'Berlin hub',
    ...overrides,
  });
  return app.inject({
    method: 'POST',
    url: '/v1/webhooks/carriers',
    headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(body, secret) },
    payload: body,
  });
}

/** Pays an order awaiting payment in full through the signed webhook. */
export async function payInFull(app: App, orderId: string): Promise<OrderResource> {
  const order = await waitForStatus(app, orderId, 'awaiting_payment');
  const response = await sendPaymentWebhook(app, order);
  if (response.statusCode !== 202) throw new Error(`payment webhook: ${response.statusCode} ${response.body}`);
  return order;
}

/** Polls until the order has reached `milestone`, whatever stage it has moved on to since. */
export async function waitForMilestone(
  app: App,
  id: string,
  milestone: string,
  timeoutMs = 20_000,
): Promise<OrderResource> {
  const deadline = Date.now() + timeoutMs;
  let order = await getOrder(app, id);
  while (!order.milestones.some((m) => m.name === milestone)) {
    if (Date.now() > deadline) throw new Error(`order ${id} (${order.status}) never reached ${milestone}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    order = await getOrder(app, id);
  }
  return order;
}
