import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MEMBER_LEVELS, priceOrder, type PriceBreakdown, type PricingInput } from '../../domain/pricing.js';
import { defaultPricingRules } from '../../domain/pricing-rules.js';

const rules = defaultPricingRules('EUR');
const base: PricingInput = {
  lines: [],
  orderType: 'regular',
  memberLevel: 'standard',
  pointsBalance: 0,
  pointsToRedeem: 0,
};

const lineArb = fc.record({
  sku: fc.constantFrom('TEA-001', 'COF-001', 'ACC-001', 'APP-001'),
  quantity: fc.integer({ min: 1, max: 50 }),
  unitPrice: fc.integer({ min: 1, max: 200_000 }),
  category: fc.constantFrom('tea', 'coffee', 'accessories', 'apparel'),
});
const inputArb = fc
  .record({
    lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
    orderType: fc.constantFrom('regular' as const, 'custom' as const, 'urgent' as const),
    memberLevel: fc.constantFrom(...MEMBER_LEVELS),
    pointsBalance: fc.integer({ min: 0, max: 100_000 }),
    pointsToRedeem: fc.integer({ min: 0, max: 100_000 }),
    couponCode: fc.constantFrom(undefined, 'WELCOME10', 'SAVE5'),
  })
  .map((input) => ({ ...input, pointsToRedeem: Math.min(input.pointsToRedeem, input.pointsBalance) }));

const breakdownOf = (input: PricingInput) => {
  const result = priceOrder(input, rules);
  return result.ok ? result.breakdown : undefined;
};

describe('priceOrder', () => {
  it('applies promotions, member discount, threshold, coupon, points, shipping and tax in the documented order', () => {
    const result = priceOrder(
      {
        ...base,
        memberLevel: 'gold',
        pointsBalance: 1_000,
        pointsToRedeem: 500,
        couponCode: 'WELCOME10',
        lines: [
          { sku: 'ACC-001', quantity: 2, unitPrice: 10_000, category: 'accessories' },
          { sku: 'TEA-001', quantity: 1, unitPrice: 5_000, category: 'tea' },
        ],
      },
      rules,
    );
    expect(result).toEqual({
      ok: true,
      breakdown: {
        currency: 'EUR',
        lines: [
          { sku: 'ACC-001', quantity: 2, unitPrice: 10_000, lineTotal: 20_000 },
          { sku: 'TEA-001', quantity: 1, unitPrice: 5_000, lineTotal: 5_000 },
        ],
        subtotal: 25_000,
        discounts: [
          { kind: 'category_promotion', label: 'accessories week −10%', amount: 2_000 }, // 23 000 left
          { kind: 'member', label: 'gold member 5%', amount: 1_150 }, // 21 850
          { kind: 'spend_threshold', label: 'spend 20000, save 1500', amount: 1_500 }, // 20 350
          { kind: 'coupon', label: 'WELCOME10 −10%', amount: 2_035 }, // 18 315
          { kind: 'points', label: '500 loyalty points', amount: 500 }, // 17 815
        ],
        shipping: 0,
        tax: 3_385, // 19% of 17 815, rounded half up
        total: 21_200,
        pointsRedeemed: 500,
        pointsEarned: 178,
      },
    });
  });

  it('charges standard shipping below the free threshold and express for urgent orders', () => {
    const small = [{ sku: 'TEA-001', quantity: 1, unitPrice: 1_000, category: 'tea' }];
    expect(breakdownOf({ ...base, lines: small })!.shipping).toBe(495);
    expect(breakdownOf({ ...base, lines: small, orderType: 'urgent' })!.shipping).toBe(1_490);
  });

  it('refuses unknown coupons, unmet coupon minimums and points beyond the balance, naming the field', () => {
    const lines = [{ sku: 'TEA-001', quantity: 1, unitPrice: 1_000, category: 'tea' }];
    expect(priceOrder({ ...base, lines, couponCode: 'NOPE' }, rules)).toEqual({
      ok: false,
      issues: [{ path: ['couponCode'], message: 'is not a valid coupon' }],
    });
    expect(priceOrder({ ...base, lines, couponCode: 'SAVE5' }, rules)).toMatchObject({
      ok: false,
      issues: [{ path: ['couponCode'] }],
    });
    expect(priceOrder({ ...base, lines, pointsBalance: 5, pointsToRedeem: 6 }, rules)).toMatchObject({
      ok: false,
      issues: [{ path: ['pointsToRedeem'] }],
    });
  });

  it('caps redeemed points at a fifth of the goods', () => {
    const breakdown = breakdownOf({
      ...base,
      lines: [{ sku: 'TEA-001', quantity: 1, unitPrice: 1_000, category: 'tea' }],
      pointsBalance: 10_000,
      pointsToRedeem: 10_000,
    })!;
    expect(breakdown.pointsRedeemed).toBe(200);
  });

  it('always has a breakdown that sums to a non-negative total in whole minor units', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const b = breakdownOf(input);
        if (!b) return; // SAVE5 below its minimum spend: refused, checked above
        const discounts = b.discounts.reduce((sum, d) => sum + d.amount, 0);
        expect(b.subtotal - discounts + b.shipping + b.tax).toBe(b.total);
        expect(b.total).toBeGreaterThanOrEqual(0);
        for (const value of [b.subtotal, b.shipping, b.tax, b.total, ...b.discounts.map((d) => d.amount)]) {
          expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
        }
        expect(b.pointsRedeemed).toBeLessThanOrEqual(input.pointsToRedeem);
      }),
      { numRuns: 500 },
    );
  });

  it('never makes more goods cost less, unless a higher spend tier or free shipping explains it', () => {
    const tierSave = (b: PriceBreakdown) => b.discounts.find((d) => d.kind === 'spend_threshold')?.amount ?? 0;
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 1, max: 5 }), (input, extra) => {
        const more = {
          ...input,
          lines: input.lines.map((line, i) => (i === 0 ? { ...line, quantity: line.quantity + extra } : line)),
        };
        const before = breakdownOf(input);
        const after = breakdownOf(more);
        if (!before || !after || after.total >= before.total) return;
        expect(tierSave(after) > tierSave(before) || after.shipping < before.shipping).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
