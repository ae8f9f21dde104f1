/** Carrier choice: which rate band ships a parcel, cheapest within the deadline or fastest without one. */

/** What the carrier choice needs to know about a parcel. */
export interface Parcel {
  weightGrams: number;
  volumeCm3: number;
  urgent: boolean;
  /** Whole days the parcel may spend in transit; absent when the customer set no delivery date. */
  maxTransitDays?: number | undefined;
}

/** One carrier rate band. */
export interface CarrierRate {
  carrierId: string;
  service: 'standard' | 'express';
  maxWeightGrams: number;
  maxVolumeCm3: number;
  baseFee: number;
  perKgFee: number;
  transitDays: number;
}

/** The chosen band, its price for this parcel in minor units, and whether it arrives in time. */
export type CarrierChoice = CarrierRate & { cost: number; meetsDeadline: boolean };

/** The price of a parcel in a band: the base fee plus the fee for every started kilogram. */
export function shippingCost(rate: Pick<CarrierRate, 'baseFee' | 'perKgFee'>, weightGrams: number): number {
  return rate.baseFee + rate.perKgFee * Math.ceil(weightGrams / 1000);
}

/** Whether a band may carry the parcel: within its limits, and express when the parcel is urgent. */
export function bandFits(parcel: Parcel, rate: CarrierRate): boolean {
  return (
    parcel.weightGrams <= rate.maxWeightGrams &&
    parcel.volumeCm3 <= rate.maxVolumeCm3 &&
    (!parcel.urgent || rate.service === 'express')
  );
}

type Priced = CarrierRate & { cost: number };

const cheapestFirst = (a: Priced, b: Priced) =>
  a.cost - b.cost ||
  a.transitDays - b.transitDays ||
  a.carrierId.localeCompare(b.carrierId) ||
  a.service.localeCompare(b.service);
const fastestFirst = (a: Priced, b: Priced) => a.transitDays - b.transitDays || cheapestFirst(a, b);

/**
 * Picks the cheapest fitting band that arrives within `maxTransitDays`. When none does, picks the
 * fastest fitting band with `meetsDeadline: false`, so the order can be flagged rather than stuck.
 * Undefined when no band can carry the parcel at all.
 */
export function chooseCarrier(parcel: Parcel, rates: ReadonlyArray<CarrierRate>): CarrierChoice | undefined {
  const candidates = rates
    .filter((rate) => bandFits(parcel, rate))
    .map((rate) => ({ ...rate, cost: shippingCost(rate, parcel.weightGrams) }));
  const inTime = candidates.filter(
    (rate) => parcel.maxTransitDays === undefined || rate.transitDays <= parcel.maxTransitDays,
  );
  const [cheapest] = inTime.sort(cheapestFirst);
  if (cheapest) return { ...cheapest, meetsDeadline: true };
  const [fastest] = candidates.sort(fastestFirst);
  return fastest ? { ...fastest, meetsDeadline: false } : undefined;
}
