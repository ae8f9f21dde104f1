/**
 * Server-side pricing. Pure: the API and tests call it with catalog prices, never client prices.
 *
 * Order of application (each step works on what the previous ones left):
 *  1. subtotal = Σ catalog unit price × quantity
 *  2. category promotions, per line, by the product's category
 *  3. member-level discount, a percentage of the goods after step 2
 *  4. spend-threshold reduction ("spend X, save Y"): the highest tier the goods after step 3 reach
 *  5. coupon: a percentage, or a fixed amount with a minimum spend, of the goods after step 4
 *  6. loyalty points redeemed: 1 point = 1 minor unit, capped at a share of the goods after step 5
 *  7. shipping: standard (free above a threshold) or express for urgent orders, never discounted;
 *     none for a back-order, whose parcel fee the order it was split from paid
 *  8. tax: one rate on goods after discounts plus shipping, rounded half up
 * total = subtotal − discounts + shipping + tax. Percentages round down, so a discount never
 * exceeds its stated rate; points earned are one per whole currency unit of goods paid.
 */

import { MAX_MONEY_MINOR } from './money-limits.js';

/** Membership tiers, lowest first. */
export const MEMBER_LEVELS = ['standard', 'silver', 'gold', 'platinum'] as const;
/** A membership tier. */
export type MemberLevel = (typeof MEMBER_LEVELS)[number];

/** A coupon the shop honours. */
export type Coupon =
  | { kind: 'percent'; basisPoints: number; label: string }
  | { kind: 'fixed'; amount: number; minSpend: number; label: string };

/** The shop's pricing rules; amounts in minor units, rates in basis points (1/100 of a percent). */
export interface PricingRules {
  currency: string;
  taxBasisPoints: number;
  categoryPromotions: Readonly<Record<string, { basisPoints: number; label: string }>>;
  memberDiscountBasisPoints: Readonly<Record<MemberLevel, number>>;
  spendThresholds: ReadonlyArray<{ threshold: number; save: number }>;
  coupons: Readonly<Record<string, Coupon>>;
  points: { maxRedeemShareBasisPoints: number; earnPerMinorUnits: number };
  shipping: { standardFee: number; freeStandardFrom: number; expressFee: number };
}

/** One line to price, with the catalog's unit price and category. */
export interface PricingLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  category: string;
}

/** Everything pricing depends on besides the rules. */
export interface PricingInput {
  lines: ReadonlyArray<PricingLine>;
  orderType: 'regular' | 'custom' | 'urgent';
  memberLevel: MemberLevel;
  pointsBalance: number;
  pointsToRedeem: number;
  couponCode?: string | undefined;
  /** The parcel's shipping is already paid: the back-order of a split order ships without a second fee. */
  shippingPaid?: boolean | undefined;
}

/** One reduction in the breakdown. */
export interface Discount {
  kind: 'category_promotion' | 'member' | 'spend_threshold' | 'coupon' | 'points';
  label: string;
  amount: number;
}

/** The stored and returned price breakdown. */
export interface PriceBreakdown {
  currency: string;
  lines: Array<{ sku: string; quantity: number; unitPrice: number; lineTotal: number }>;
  subtotal: number;
  discounts: Discount[];
  shipping: number;
  tax: number;
  total: number;
  pointsRedeemed: number;
  pointsEarned: number;
}

/** Why an order cannot be priced, pointing at the request field. */
export interface PricingIssue {
  path: Array<string | number>;
  message: string;
}

/** Either a breakdown or the reasons there is none. */
export type PricingResult = { ok: true; breakdown: PriceBreakdown } | { ok: false; issues: PricingIssue[] };

const share = (amount: number, basisPoints: number) => Math.floor((amount * basisPoints) / 10_000);
const roundedShare = (amount: number, basisPoints: number) => Math.floor((amount * basisPoints + 5_000) / 10_000);

/** Prices an order by the documented order of application. */
export function priceOrder(input: PricingInput, rules: PricingRules): PricingResult {
  const issues: PricingIssue[] = [];
  const discounts: Discount[] = [];
  const add = (discount: Discount) => {
    if (discount.amount > 0) discounts.push(discount);
    return discount.amount;
  };

  const lines = input.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    lineTotal: line.unitPrice * line.quantity,
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  if (subtotal > MAX_MONEY_MINOR)
    issues.push({
      path: ['lines'],
      message: `come to ${subtotal} minor units; one order takes at most ${MAX_MONEY_MINOR}`,
    });

  const promotionByCategory = new Map<string, number>();
  input.lines.forEach((line, index) => {
    const promotion = rules.categoryPromotions[line.category];
    if (promotion)
      promotionByCategory.set(
        promotion.label,
        (promotionByCategory.get(promotion.label) ?? 0) + share(lines[index]!.lineTotal, promotion.basisPoints),
      );
  });
  let goods = subtotal;
  for (const [label, amount] of promotionByCategory) goods -= add({ kind: 'category_promotion', label, amount });

  const memberRate = rules.memberDiscountBasisPoints[input.memberLevel];
  goods -= add({
    kind: 'member',
    label: `${input.memberLevel} member ${memberRate / 100}%`,
    amount: share(goods, memberRate),
  });

  const tier = [...rules.spendThresholds].sort((a, b) => b.threshold - a.threshold).find((t) => goods >= t.threshold);
  if (tier)
    goods -= add({
      kind: 'spend_threshold',
      label: `spend ${tier.threshold}, save ${tier.save}`,
      amount: Math.min(tier.save, goods),
    });

  if (input.couponCode) {
    const coupon = rules.coupons[input.couponCode];
    if (!coupon) issues.push({ path: ['couponCode'], message: 'is not a valid coupon' });
    else if (coupon.kind === 'fixed' && goods < coupon.minSpend)
      issues.push({
        path: ['couponCode'],
        message: `needs goods worth at least ${coupon.minSpend} after other discounts`,
      });
    else
      goods -= add({
        kind: 'coupon',
        label: coupon.label,
        amount: coupon.kind === 'percent' ? share(goods, coupon.basisPoints) : Math.min(coupon.amount, goods),
      });
  }

  if (input.pointsToRedeem > input.pointsBalance) {
    issues.push({
      path: ['pointsToRedeem'],
      message: `exceeds the customer's balance of ${input.pointsBalance} points`,
    });
  }
  const pointsRedeemed = Math.min(
    input.pointsToRedeem,
    input.pointsBalance,
    share(goods, rules.points.maxRedeemShareBasisPoints),
  );
  goods -= add({ kind: 'points', label: `${pointsRedeemed} loyalty points`, amount: pointsRedeemed });

  if (issues.length) return { ok: false, issues };

  const shipping = input.shippingPaid
    ? 0
    : input.orderType === 'urgent'
      ? rules.shipping.expressFee
      : goods >= rules.shipping.freeStandardFrom
        ? 0
        : rules.shipping.standardFee;
  const tax = roundedShare(goods + shipping, rules.taxBasisPoints);
  return {
    ok: true,
    breakdown: {
      currency: rules.currency,
      lines,
      subtotal,
      discounts,
      shipping,
      tax,
      total: goods + shipping + tax,
      pointsRedeemed,
      pointsEarned: Math.floor(goods / rules.points.earnPerMinorUnits),
    },
  };
}
