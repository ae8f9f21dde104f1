import type { Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import { settleShortage } from '../shortage.js';
import type { OrderRun } from '../order-run.js';

/** Reserves the order's stock (urgent orders may take the urgent reserve); a shortage goes to support's decision. */
export async function reserve(run: OrderRun): Promise<Ending | null> {
  const { orderId, state, input } = run;
  await run.record('milestone', 'order_verified', 'reserving');
  run.attempted.add('reserve');
  const reservation = await activities.reserveStock({ orderId, lines: state.lines, urgent: input.type === 'urgent' });
  if (reservation.ok) {
    state.allocations = reservation.allocations;
    run.stockHeld = true;
  } else {
    const ending = await settleShortage(run, reservation.shortages);
    if (ending) return ending;
  }
  run.checkpoint();
  return null;
}
