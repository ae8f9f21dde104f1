/** A sellable lot's free units (on hand minus reserved); lots come oldest first, as allocation takes them. */
export interface FreeLot {
  id: number;
  free: number;
}

/**
 * Where a product's urgent reserve sits: on its newest sellable lots, the ones FIFO allocation takes
 * last, since a regular order may take everything but the reserve and takes the oldest lots first.
 * Returns the units held back per lot id; lots not in the map hold none.
 */
export function holdUrgentReserve(lots: readonly FreeLot[], reserve: number): Map<number, number> {
  const held = new Map<number, number>();
  let left = Math.max(0, reserve);
  for (let index = lots.length - 1; index >= 0 && left > 0; index -= 1) {
    const lot = lots[index]!;
    const take = Math.min(left, Math.max(0, lot.free));
    if (take > 0) held.set(lot.id, take);
    left -= take;
  }
  return held;
}
