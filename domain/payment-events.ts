/** A payment provider event as the workflow received it. */
export interface PaymentEventRecord {
  orderId: string;
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded' | 'chargeback.created';
  paymentIntentId: string;
  transactionId: string;
  amount: number;
  currency: string;
  occurredAt: string;
  failureReason?: string | undefined;
}
