import type { EditHandling } from './edits.js';
import type { MoneyHandling } from './money.js';
import type { OrderRun } from './order-run.js';
import type { AwaitStage } from './stage-wait.js';

/** What every stage of an order works with: the run, its money and edits, and the one way to wait. */
export interface OrderFlow {
  run: OrderRun;
  money: MoneyHandling;
  edits: EditHandling;
  awaitStage: AwaitStage;
}
