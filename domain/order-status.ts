/** Every stage an order can be in, in the order of the happy path. */
export const ORDER_STATUSES = [
  'received',
  'on_hold',
  'reserving',
  'awaiting_shortage_decision',
  'awaiting_payment',
  'awaiting_confirmation',
  'confirmed',
  'in_production',
  'quality_check',
  'ready_to_ship',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'returned',
  'failed',
] as const;

/** An order stage. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Stages an order never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['completed', 'cancelled', 'returned', 'failed']);

/** What a caller may do with an order next, by API action name. */
export type OrderAction =
  'pay' | 'confirm' | 'correct_info' | 'resolve_shortage' | 'edit' | 'cancel' | 'feedback' | 'return';

/** Stages in which a cancellation is still accepted: the parcel has not left. */
const CANCELLABLE: ReadonlySet<OrderStatus> = new Set([
  'received',
  'on_hold',
  'reserving',
  'awaiting_shortage_decision',
  'awaiting_payment',
  'awaiting_confirmation',
  'confirmed',
  'in_production',
  'quality_check',
  'ready_to_ship',
]);

/** Whether an order in this stage accepts a cancellation. */
export const isCancellable = (status: OrderStatus) => CANCELLABLE.has(status);

/** The actions an order accepts in a stage; the workflow enforces the same rules. */
export function allowedActions(status: OrderStatus): OrderAction[] {
  const actions: OrderAction[] = [];
  if (status === 'awaiting_payment') actions.push('pay');
  if (status === 'awaiting_confirmation') actions.push('confirm');
  if (status === 'on_hold') actions.push('correct_info');
  if (status === 'awaiting_shortage_decision') actions.push('resolve_shortage');
  // Before pickup the address may change; lines until confirmation (the workflow says which).
  if (isCancellable(status)) actions.push('edit', 'cancel');
  if (status === 'delivered') actions.push('feedback', 'return');
  return actions;
}
