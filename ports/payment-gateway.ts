/** What the orchestrator asks of a payment provider. A real provider is one more implementation. */
export interface PaymentGateway {
  /** Opens (or returns the already opened) payment intent for an order; idempotent by order id. */
  createIntent(request: { orderId: string; amount: number; currency: string; method: string }): Promise<{ intentId: string }>;
  /** Refunds part or all of a captured intent; the same idempotency key refunds once. */
  refund(request: { intentId: string; amount: number; currency: string; idempotencyKey: string }): Promise<{ refundId: string }>;
}
