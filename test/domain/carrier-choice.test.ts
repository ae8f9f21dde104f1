import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandFits, chooseCarrier, shippingCost, type CarrierRate, type Parcel } from '../../domain/carrier-choice.js';
import { CARRIER_RATES } from '../../db/seed-data.js';

const parcel = (weightGrams: number, overrides: Partial<Parcel> = {}): Parcel => ({
  weightGrams,
  volumeCm3: 2_000,
  urgent: false,
  ...overrides,
});
const picked = (choice: ReturnType<typeof chooseCarrier>) =>
  choice && {
    carrierId: choice.carrierId,
    service: choice.service,
    cost: choice.cost,
    transitDays: choice.transitDays,
    meetsDeadline: choice.meetsDeadline,
  };

describe('chooseCarrier with the seeded rates', () => {
  it('ships a light regular parcel with the cheapest standard band', () => {
    expect(picked(chooseCarrier(parcel(800), CARRIER_RATES))).toEqual({
      carrierId: 'parcelnet',
      service: 'standard',
      cost: 460,
      transitDays: 4,
      meetsDeadline: true,
    });
  });

  it('charges every started kilogram', () => {
    expect(shippingCost({ baseFee: 390, perKgFee: 70 }, 1_001)).toBe(530);
    expect(shippingCost({ baseFee: 390, perKgFee: 70 }, 0)).toBe(390);
  });

  it('ships urgent parcels by the cheapest express band', () => {
    expect(picked(chooseCarrier(parcel(800, { urgent: true }), CARRIER_RATES))).toEqual({
      carrierId: 'swiftpost',
      service: 'express',
      cost: 1_380,
      transitDays: 1,
      meetsDeadline: true,
    });
    // Over the 20 kg limits of the other express bands, only ExpressLine flies.
    expect(picked(chooseCarrier(parcel(25_000, { urgent: true }), CARRIER_RATES))).toMatchObject({
      carrierId: 'expressline',
      service: 'express',
      cost: 4_900 + 55 * 25,
    });
  });

  it('pays more for a faster band only when the deadline needs it', () => {
    expect(picked(chooseCarrier(parcel(800, { maxTransitDays: 4 }), CARRIER_RATES))).toMatchObject({
      carrierId: 'parcelnet',
      service: 'standard',
      meetsDeadline: true,
    });
    expect(picked(chooseCarrier(parcel(800, { maxTransitDays: 3 }), CARRIER_RATES))).toMatchObject({
      carrierId: 'swiftpost',
      service: 'standard',
      cost: 510,
      meetsDeadline: true,
    });
    expect(picked(chooseCarrier(parcel(800, { maxTransitDays: 2 }), CARRIER_RATES))).toMatchObject({
      carrierId: 'swiftpost',
      service: 'express',
      meetsDeadline: true,
    });
  });

  it('falls back to the fastest band, cheaper first, when no band meets the deadline', () => {
    expect(picked(chooseCarrier(parcel(800, { maxTransitDays: 0 }), CARRIER_RATES))).toEqual({
      carrierId: 'swiftpost',
      service: 'express',
      cost: 1_380,
      transitDays: 1,
      meetsDeadline: false,
    });
    expect(picked(chooseCarrier(parcel(25_000, { urgent: true, maxTransitDays: 1 }), CARRIER_RATES))).toMatchObject({
      carrierId: 'expressline',
      transitDays: 2,
      meetsDeadline: false,
    });
  });

  it('finds nothing for a parcel no band carries', () => {
    expect(chooseCarrier(parcel(80_000), CARRIER_RATES)).toBeUndefined();
    expect(chooseCarrier(parcel(1_000, { volumeCm3: 2_000_000 }), CARRIER_RATES)).toBeUndefined();
    expect(chooseCarrier(parcel(1_000), [])).toBeUndefined();
  });

  it('breaks cost ties by transit days, then by carrier', () => {
    const band = {
      service: 'standard' as const,
      maxWeightGrams: 10_000,
      maxVolumeCm3: 100_000,
      baseFee: 500,
      perKgFee: 0,
    };
    const rates: CarrierRate[] = [
      { ...band, carrierId: 'b', transitDays: 2 },
      { ...band, carrierId: 'c', transitDays: 3 },
      { ...band, carrierId: 'a', transitDays: 2 },
    ];
    expect(chooseCarrier(parcel(500), rates)?.carrierId).toBe('a');
    expect(chooseCarrier(parcel(500), rates.slice(0, 2))?.carrierId).toBe('b');
  });
});

const rateArb: fc.Arbitrary<CarrierRate> = fc.record({
  carrierId: fc.constantFrom('alpha', 'beta', 'gamma'),
  service: fc.constantFrom('standard' as const, 'express' as const),
  maxWeightGrams: fc.integer({ min: 500, max: 70_000 }),
  maxVolumeCm3: fc.integer({ min: 1_000, max: 1_000_000 }),
  baseFee: fc.integer({ min: 0, max: 5_000 }),
  perKgFee: fc.integer({ min: 0, max: 200 }),
  transitDays: fc.integer({ min: 1, max: 7 }),
});
const parcelArb: fc.Arbitrary<Parcel> = fc.record({
  weightGrams: fc.integer({ min: 1, max: 80_000 }),
  volumeCm3: fc.integer({ min: 1, max: 1_200_000 }),
  urgent: fc.boolean(),
  maxTransitDays: fc.option(fc.integer({ min: -1, max: 8 }), { nil: undefined }),
});

describe('chooseCarrier properties', () => {
  it('always picks a band that fits, the cheapest of those in time, or the fastest when none is', () => {
    fc.assert(
      fc.property(parcelArb, fc.array(rateArb, { maxLength: 10 }), (p, rates) => {
        const choice = chooseCarrier(p, rates);
        const fitting = rates.filter((rate) => bandFits(p, rate));
        if (!choice) {
          expect(fitting).toEqual([]);
          return;
        }
        expect(bandFits(p, choice)).toBe(true);
        expect(choice.cost).toBe(shippingCost(choice, p.weightGrams));
        const inTime = fitting.filter((rate) => p.maxTransitDays === undefined || rate.transitDays <= p.maxTransitDays);
        if (choice.meetsDeadline) {
          expect(p.maxTransitDays === undefined || choice.transitDays <= p.maxTransitDays).toBe(true);
          for (const other of inTime) expect(shippingCost(other, p.weightGrams)).toBeGreaterThanOrEqual(choice.cost);
        } else {
          expect(inTime).toEqual([]);
          for (const other of fitting) expect(other.transitDays).toBeGreaterThanOrEqual(choice.transitDays);
        }
      }),
      { numRuns: 500 },
    );
  });
});
