/** The order policy in force when an order was placed; copied into its workflow input. */
export interface OrderPolicy {
  paymentTimeoutMs: number;
  confirmationTimeoutMs: number;
  shortageDecisionTimeoutMs: number;
  infoHoldTimeoutMs: number;
  deliveryGraceMs: number;
  returnWindowMs: number;
  surveyWindowMs: number;
}
