/** How a supplier is rated from the lots it delivered: quality (rejections) and punctuality (on-time purchase orders). */

/** The share of the score that quality carries when punctuality is known; punctuality carries the rest. */
export const QUALITY_WEIGHT = 0.7;

/** What a supplier's record is made of: lots received and rejected, and how its matched purchase orders arrived. */
export interface SupplierRecord {
  lotsReceived: number;
  lotsRejected: number;
  /** Accepted lots that closed a purchase order (only those can be on time or late). */
  lotsMatched: number;
  lotsOnTime: number;
}

/** The share (0–1, four decimals) of matched purchase orders received by their due date; null when none was matched. */
export function onTimeRateOf(record: Pick<SupplierRecord, 'lotsMatched' | 'lotsOnTime'>): number | null {
  if (record.lotsMatched === 0) return null;
  return Math.round((record.lotsOnTime / record.lotsMatched) * 10_000) / 10_000;
}

/**
 * A supplier's score from 0 to 100 (whole number, higher is better):
 * `100 × (0.7 × acceptance + 0.3 × onTime)`, where acceptance is the share of lots not rejected and
 * onTime the share of matched purchase orders received by their due date. Without a matched purchase
 * order punctuality is unknown and acceptance alone counts (`100 × acceptance`); a supplier with no
 * lots yet scores 100.
 */
export function supplierScore(record: SupplierRecord): number {
  if (record.lotsReceived === 0) return 100;
  const acceptance = 1 - record.lotsRejected / record.lotsReceived;
  const onTime = record.lotsMatched === 0 ? null : record.lotsOnTime / record.lotsMatched;
  const score = onTime === null ? acceptance : QUALITY_WEIGHT * acceptance + (1 - QUALITY_WEIGHT) * onTime;
  return Math.round(score * 100);
}
