import { signWebhookBody } from '../ports/webhook-signature.js';
import { sandboxIntentId } from './payment-book.js';

/** The outcome a sandbox payment should report. */
export type SandboxPaymentOutcome = (
  { type: 'payment.succeeded'; amount: number } | { type: 'payment.failed'; amount: number; failureReason: string }
) & {
  /** Pays this intent instead of the order's first one (an extra payment after an edit). */
  intentId?: string;
};

/** The customer's side of the sandbox provider: the signed webhooks a payment produces, built or sent straight to the merchant (its book is `payment-book.ts`). */
export function createSandboxPaymentProvider(options: { webhookUrl?: string; secret: string; fetch?: typeof fetch }) {
  const intentIdFor = sandboxIntentId;

  /** Builds the signed webhook a customer's payment produces. */
  function paymentWebhook(
    orderId: string,
    currency: string,
    outcome: SandboxPaymentOutcome,
    eventId = `evt_${crypto.randomUUID()}`,
  ) {
    const body = JSON.stringify({
      id: eventId,
      type: outcome.type,
      orderId,
      paymentIntentId: outcome.intentId ?? intentIdFor(orderId),
      transactionId: `txn_${eventId}`,
      amount: outcome.amount,
      currency,
      occurredAt: new Date().toISOString(),
      ...(outcome.type === 'payment.failed' ? { failureReason: outcome.failureReason } : {}),
    });
    return { body, signature: signWebhookBody(body, options.secret) };
  }

  /** Delivers a payment's webhook to the configured URL, as the provider would after the customer pays. */
  async function deliver(orderId: string, currency: string, outcome: SandboxPaymentOutcome): Promise<Response> {
    if (!options.webhookUrl) throw new Error('sandbox payment provider has no webhookUrl');
    const { body, signature } = paymentWebhook(orderId, currency, outcome);
    return (options.fetch ?? fetch)(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });
  }

  return { intentIdFor, paymentWebhook, deliver };
}
