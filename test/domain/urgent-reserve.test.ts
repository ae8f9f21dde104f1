import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdUrgentReserve } from '../../domain/urgent-reserve.js';

const lotsArbitrary = fc
  .array(fc.integer({ min: 0, max: 50 }), { maxLength: 8 })
  .map((frees) => frees.map((free, index) => ({ id: index + 1, free })));

describe('holdUrgentReserve', () => {
  it('holds the reserve on the newest lots', () => {
    const held = holdUrgentReserve(
      [
        { id: 1, free: 5 },
        { id: 2, free: 2 },
        { id: 3, free: 2 },
      ],
      3,
    );
    expect([...held.entries()]).toEqual([
      [3, 2],
      [2, 1],
    ]);
  });

  it('holds min(reserve, free) in all, never more than a lot has, and leaves the oldest lots whole first', () => {
    fc.assert(
      fc.property(lotsArbitrary, fc.integer({ min: 0, max: 200 }), (lots, reserve) => {
        const held = holdUrgentReserve(lots, reserve);
        const free = lots.reduce((sum, lot) => sum + lot.free, 0);
        expect([...held.values()].reduce((sum, units) => sum + units, 0)).toBe(Math.min(reserve, free));
        for (const lot of lots) expect(held.get(lot.id) ?? 0).toBeLessThanOrEqual(lot.free);
        // A lot holds part of the reserve only when every newer lot holds all it has.
        lots.forEach((lot, index) => {
          if ((held.get(lot.id) ?? 0) === 0) return;
          for (const newer of lots.slice(index + 1)) expect(held.get(newer.id) ?? 0).toBe(newer.free);
        });
      }),
    );
  });
});
