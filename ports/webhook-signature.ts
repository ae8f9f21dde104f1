import { createHmac, timingSafeEqual } from 'node:crypto';

/** Computes the `X-Signature` header value for a raw webhook body. */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Checks an `X-Signature: sha256=<hex>` header against the raw body in constant time. */
export function isValidWebhookSignature(rawBody: string | Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = Buffer.from(signWebhookBody(rawBody, secret));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
