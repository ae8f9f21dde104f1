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
export type OrderAction = 'pay' | 'confirm' | 'feedback';

/** The actions an order accepts in a stage; the list grows as the workflow learns new messages. */
export function allowedActions(status: OrderStatus): OrderAction[] {
  if (status === 'awaiting_payment') return ['pay'];
  if (status === 'awaiting_confirmation') return ['confirm'];
  if (status === 'delivered') return ['feedback'];
  return [];
}
