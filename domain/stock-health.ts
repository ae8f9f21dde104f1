/** When to reorder a stocked product and how much, from what was ordered in a window and the supplier's lead time. */

/** The risks a stocked product can be in, most urgent first: the order the inventory view lists them in. */
export const STOCK_RISKS = ['stockout', 'overstock', 'ok'] as const;

/** Whether a product runs out before a reorder can arrive, holds far more than it sells, or neither. */
export type StockRisk = (typeof STOCK_RISKS)[number];

/** The reordering policy, in days of average demand. */
export interface StockPolicy {
  /** Safety stock: extra days of demand held against a busier spell or a late delivery. */
  safetyDays: number;
  /** How often stock is reviewed and reordered: an order must last until the one after the next review arrives. */
  reviewDays: number;
  /** Stock covering more days of demand than this is overstock. */
  overstockDays: number;
  /** The lead time assumed for a product without a supplier: the longest of the seeded suppliers, to err on the safe side. */
  leadTimeWithoutSupplierDays: number;
}

/** The policy the inventory view applies. */
export const STOCK_POLICY: StockPolicy = {
  safetyDays: 7,
  reviewDays: 14,
  overstockDays: 90,
  leadTimeWithoutSupplierDays: 30,
};

/** What the rules need to know about one product. */
export interface StockFacts {
  /** What a regular order can take now. */
  available: number;
  /** Units ordered in the window. */
  unitsOrdered: number;
  /** The window's length in days (fractions allowed); positive. */
  windowDays: number;
  leadTimeDays: number;
}

/** The verdict on one product. */
export interface StockAssessment {
  /** Units ordered per day on average, rounded to 2 decimals (the quantities below use the exact figure). */
  dailyDemand: number;
  /** Order at the latest when available falls to this: demand over the lead time plus the safety stock. */
  reorderPoint: number;
  /** What to order now so stock covers the lead time, the review period and the safety stock; 0 when it does. */
  suggestedQuantity: number;
  risk: StockRisk;
}

/** Whole units, rounded up: a fraction of a unit must still be stocked. Float noise below a billionth is no unit. */
const wholeUnits = (units: number) => Math.max(0, Math.ceil(units - 1e-9));

/**
 * Reorder point, suggested quantity and risk, with d = unitsOrdered ÷ windowDays and L the lead time:
 * reorderPoint = ⌈d × (L + safetyDays)⌉; suggestedQuantity = max(0, ⌈d × (L + reviewDays + safetyDays)⌉ − available);
 * `stockout` when available < d × L (it runs out before a reorder placed now arrives), `overstock` when
 * available > d × overstockDays or there is stock and no demand at all, else `ok`.
 */
export function assessStock(facts: StockFacts, policy: StockPolicy = STOCK_POLICY): StockAssessment {
  const { available, unitsOrdered, windowDays, leadTimeDays } = facts;
  if (!(windowDays > 0)) throw new RangeError(`the demand window must be longer than 0 days, got ${windowDays}`);
  const demandOver = (days: number) => (unitsOrdered * days) / windowDays;
  const target = wholeUnits(demandOver(leadTimeDays + policy.reviewDays + policy.safetyDays));
  // Compared without dividing, so a product exactly at the limit is not tipped over by rounding.
  const runsOut = available * windowDays < unitsOrdered * leadTimeDays;
  const tooMuch = unitsOrdered === 0 ? available > 0 : available * windowDays > unitsOrdered * policy.overstockDays;
  return {
    dailyDemand: Math.round((unitsOrdered / windowDays) * 100) / 100,
    reorderPoint: wholeUnits(demandOver(leadTimeDays + policy.safetyDays)),
    suggestedQuantity: Math.max(0, target - available),
    risk: runsOut ? 'stockout' : tooMuch ? 'overstock' : 'ok',
  };
}

/** Most urgent risk first; equal risks keep their order (a stable sort keeps SKUs as the caller sorted them). */
export const byRisk = (a: { risk: StockRisk }, b: { risk: StockRisk }) =>
  STOCK_RISKS.indexOf(a.risk) - STOCK_RISKS.indexOf(b.risk);
