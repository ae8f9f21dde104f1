import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessStock, byRisk, STOCK_POLICY, type StockRisk } from '../../domain/stock-health.js';

const facts = (available: number, unitsOrdered: number, windowDays: number, leadTimeDays: number) => ({
  available,
  unitsOrdered,
  windowDays,
  leadTimeDays,
});

describe('assessStock', () => {
  it('uses 7 safety days, a 14-day review period and 90 days as overstock', () => {
    expect(STOCK_POLICY).toMatchObject({ safetyDays: 7, reviewDays: 14, overstockDays: 90 });
  });

  it('flags stock that runs out before a reorder arrives, and orders up to lead time + review + safety', () => {
    // 60 units in 30 days = 2 a day; 14 days of lead time need 28.
    expect(assessStock(facts(20, 60, 30, 14))).toEqual({
      dailyDemand: 2,
      reorderPoint: 42, // 2 × (14 + 7)
      suggestedQuantity: 50, // 2 × (14 + 14 + 7) − 20
      risk: 'stockout',
    });
  });

  it('calls stock that lasts the lead time but sits below the target ok, and still suggests topping up', () => {
    expect(assessStock(facts(30, 60, 30, 14))).toEqual({
      dailyDemand: 2,
      reorderPoint: 42,
      suggestedQuantity: 40,
      risk: 'ok',
    });
  });

  it('suggests nothing once available covers the target', () => {
    expect(assessStock(facts(70, 60, 30, 14)).suggestedQuantity).toBe(0);
    expect(assessStock(facts(71, 60, 30, 14)).suggestedQuantity).toBe(0);
    expect(assessStock(facts(69, 60, 30, 14)).suggestedQuantity).toBe(1);
  });

  it('rounds quantities up to whole units and daily demand to 2 decimals', () => {
    // 10 units in 30 days = 0.333… a day, 7 days of lead time.
    expect(assessStock(facts(2, 10, 30, 7))).toEqual({
      dailyDemand: 0.33,
      reorderPoint: 5, // ⌈10 × 14 / 30⌉ = ⌈4.67⌉
      suggestedQuantity: 8, // ⌈10 × 28 / 30⌉ − 2 = ⌈9.33⌉ − 2
      risk: 'stockout', // 2 < 2.33
    });
    expect(assessStock(facts(0, 2, 3, 0)).dailyDemand).toBe(0.67);
  });

  it('is exact at the limits: stock for exactly the lead time is ok, exactly 90 days of demand is not overstock', () => {
    // 30 units in 30 days = 1 a day.
    expect(assessStock(facts(10, 30, 30, 10)).risk).toBe('ok');
    expect(assessStock(facts(9, 30, 30, 10)).risk).toBe('stockout');
    expect(assessStock(facts(90, 30, 30, 10)).risk).toBe('ok');
    expect(assessStock(facts(91, 30, 30, 10)).risk).toBe('overstock');
    // A whole quantity from a fractional rate: 7 units in 3 days over 9 days is exactly 21.
    expect(assessStock(facts(100, 7, 3, 2)).reorderPoint).toBe(21);
  });

  it('calls stock with no demand at all overstock, and no stock with no demand ok', () => {
    expect(assessStock(facts(5, 0, 30, 14))).toEqual({
      dailyDemand: 0,
      reorderPoint: 0,
      suggestedQuantity: 0,
      risk: 'overstock',
    });
    expect(assessStock(facts(0, 0, 30, 14)).risk).toBe('ok');
  });

  it('takes a window of part days', () => {
    // 3 units in a day and a half = 2 a day.
    expect(assessStock(facts(0, 3, 1.5, 1))).toEqual({
      dailyDemand: 2,
      reorderPoint: 16,
      suggestedQuantity: 44,
      risk: 'stockout',
    });
  });

  it('refuses an empty window', () => {
    expect(() => assessStock(facts(1, 1, 0, 1))).toThrow(RangeError);
  });

  it('never suggests less than brings stock to the reorder point, and a stockout is always below it', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.integer({ min: 1, max: 365 }), fc.nat(120), (a, u, w, l) => {
        const verdict = assessStock(facts(a, u, w, l));
        expect(verdict.suggestedQuantity).toBeGreaterThanOrEqual(0);
        expect(a + verdict.suggestedQuantity).toBeGreaterThanOrEqual(verdict.reorderPoint);
        if (verdict.risk === 'stockout') expect(a).toBeLessThan(verdict.reorderPoint);
        if (u === 0) expect(verdict.risk).toBe(a > 0 ? 'overstock' : 'ok');
      }),
    );
  });
});

describe('byRisk', () => {
  it('lists stockouts first, then overstock, then ok, keeping the order within a risk', () => {
    const rows: Array<{ sku: string; risk: StockRisk }> = [
      { sku: 'A', risk: 'ok' },
      { sku: 'B', risk: 'overstock' },
      { sku: 'C', risk: 'stockout' },
      { sku: 'D', risk: 'ok' },
      { sku: 'E', risk: 'stockout' },
    ];
    expect([...rows].sort(byRisk).map((row) => row.sku)).toEqual(['C', 'E', 'B', 'A', 'D']);
  });
});
