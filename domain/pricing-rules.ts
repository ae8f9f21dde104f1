import type { PricingRules } from './pricing.js';

/** The shop's current pricing rules; a rule change applies to orders placed after it. */
export function defaultPricingRules(currency: string): PricingRules {
  return {
    currency,
    taxBasisPoints: 1_900,
    categoryPromotions: { accessories: { basisPoints: 1_000, label: 'accessories week −10%' } },
    memberDiscountBasisPoints: { standard: 0, silver: 200, gold: 500, platinum: 800 },
    spendThresholds: [
      { threshold: 20_000, save: 1_500 },
      { threshold: 50_000, save: 5_000 },
    ],
    coupons: {
      WELCOME10: { kind: 'percent', basisPoints: 1_000, label: 'WELCOME10 −10%' },
      SAVE5: { kind: 'fixed', amount: 500, minSpend: 3_000, label: 'SAVE5 −5.00 from 30.00' },
    },
    points: { maxRedeemShareBasisPoints: 2_000, earnPerMinorUnits: 100 },
    shipping: { standardFee: 495, freeStandardFrom: 5_000, expressFee: 1_490 },
  };
}
