/**
 * The largest amount of money, in minor units, the system takes in one order, payment or refund:
 * 100 million (one million in major units). It keeps every total and sum of totals far inside
 * Postgres's 32-bit integer columns, so an over-large order is refused up front (422) instead of
 * failing in a workflow.
 */
export const MAX_MONEY_MINOR = 100_000_000;
