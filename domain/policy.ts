/** The order policy in force when an order was placed; copied into its workflow input. */
export interface OrderPolicy {
  paymentTimeoutMs: number;
  confirmationTimeoutMs: number;
  shortageDecisionTimeoutMs: number;
  infoHoldTimeoutMs: number;
  deliveryGraceMs: number;
  returnWindowMs: number;
  surveyWindowMs: number;
  /** How long a parcel already flagged late may stay silent before the order fails as lost; orders placed before it was configurable wait 30 days. */
  parcelLostAfterMs?: number | undefined;
}
