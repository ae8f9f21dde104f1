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
  /** How long production may run past its last job's planned end before the order fails as overdue (default 14 days). */
  productionOverdueAfterMs?: number | undefined;
  /** Failed inspections a job may be reworked after before it is scrapped and made again (default 2). */
  maxReworkRounds?: number | undefined;
}
