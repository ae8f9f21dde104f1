import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onTimeRateOf, supplierScore } from '../../domain/supplier-score.js';

const record = (lotsReceived: number, lotsRejected: number, lotsMatched = 0, lotsOnTime = 0) => ({
  lotsReceived,
  lotsRejected,
  lotsMatched,
  lotsOnTime,
});

describe('supplierScore', () => {
  it('gives a supplier with no lots yet 100', () => {
    expect(supplierScore(record(0, 0))).toBe(100);
  });

  it('counts acceptance alone while no purchase order was matched', () => {
    expect(supplierScore(record(4, 0))).toBe(100);
    expect(supplierScore(record(4, 1))).toBe(75);
    expect(supplierScore(record(2, 1))).toBe(50);
    expect(supplierScore(record(3, 3))).toBe(0);
  });

  it('weighs acceptance 70 % and punctuality 30 % once purchase orders were matched', () => {
    expect(supplierScore(record(1, 0, 1, 1))).toBe(100);
    expect(supplierScore(record(1, 0, 1, 0))).toBe(70);
    expect(supplierScore(record(2, 1, 1, 1))).toBe(65);
    expect(supplierScore(record(2, 1, 1, 0))).toBe(35);
    // 0.7 × 2/3 + 0.3 × 1/2 = 0.6167
    expect(supplierScore(record(3, 1, 2, 1))).toBe(62);
  });

  it('stays within 0 and 100 and never rises with another rejection', () => {
    const records = fc.tuple(fc.nat(50), fc.nat(50), fc.nat(50), fc.nat(50)).map(([a, b, c, d]) => {
      const lotsReceived = a + 1;
      const lotsRejected = b % (lotsReceived + 1);
      const lotsMatched = c % (lotsReceived - lotsRejected + 1);
      return record(lotsReceived, lotsRejected, lotsMatched, d % (lotsMatched + 1));
    });
    fc.assert(
      fc.property(records, (r) => {
        const score = supplierScore(r);
        expect(Number.isInteger(score)).toBe(true);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        const oneMoreRejected = { ...r, lotsReceived: r.lotsReceived + 1, lotsRejected: r.lotsRejected + 1 };
        expect(supplierScore(oneMoreRejected)).toBeLessThanOrEqual(score);
      }),
    );
  });
});

describe('onTimeRateOf', () => {
  it('is null without a matched purchase order and the on-time share otherwise', () => {
    expect(onTimeRateOf({ lotsMatched: 0, lotsOnTime: 0 })).toBeNull();
    expect(onTimeRateOf({ lotsMatched: 2, lotsOnTime: 1 })).toBe(0.5);
    expect(onTimeRateOf({ lotsMatched: 3, lotsOnTime: 1 })).toBe(0.3333);
  });
});
