import type { OrderStatus } from './order-status.js';

/** Stages of an order that is still open and not yet paid: what the per-customer cap counts. */
export const OPEN_UNPAID_STATUSES: readonly OrderStatus[] = [
  'received',
  'on_hold',
  'reserving',
  'awaiting_shortage_decision',
  'awaiting_payment',
];
