import { readFileSync } from 'node:fs';
import type { Sql } from 'postgres';

/** One call the fault worker made to a sandbox provider (see fault-worker.ts). */
interface ProviderCall {
  call: 'book' | 'cancel' | 'refund';
  orderId?: string;
  intentId?: string;
  trackingNumber?: string;
  amount?: number;
  idempotencyKey?: string;
}

/** What an order left behind, counted where each effect lands; every list in the order it happened. */
export interface OrderEffects {
  /** Reservation rows: their states and the units they hold in all. */
  reservations: { units: number; statuses: string[] };
  /** The order's own product: one lot, on hand and reserved. */
  stock: Array<{ onHand: number; reserved: number }>;
  /** Ledger rows by kind and amount, e.g. `capture 2380`. */
  ledger: string[];
  /** Carrier bookings (shipment rows) and their states. */
  shipments: string[];
  /** Invoice kinds: `invoice`, `credit_note`. */
  invoices: string[];
  /** Notification templates sent. */
  notifications: string[];
  /** Milestones on the timeline (each once). */
  milestones: string[];
  /** What the sandbox providers were asked, counted by distinct effect (the gateways are idempotent by order and by refund key). */
  provider: { bookings: number; cancellations: number; refunds: string[] };
}

/** Reads every effect of one order from Postgres and from the provider journal the fault workers wrote. */
export async function effectsOf(
  sql: Sql,
  journalFile: string,
  order: { id: string; sku: string; intentId: string | null },
): Promise<OrderEffects> {
  const reservations = await sql<
    Array<{ status: string; quantity: number }>
  >`select status, quantity from reservations where order_id = ${order.id} order by id`;
  const stock = await sql<
    Array<{ onHand: number; reserved: number }>
  >`select on_hand as "onHand", reserved from stock_lots where sku = ${order.sku} order by id`;
  const ledger = await sql<
    Array<{ kind: string; amount: number }>
  >`select kind, amount from payments where order_id = ${order.id} order by id`;
  const shipments = await sql<
    Array<{ status: string; trackingNumber: string }>
  >`select status, tracking_number as "trackingNumber" from shipments where order_id = ${order.id} order by id`;
  const invoices = await sql<
    Array<{ kind: string }>
  >`select kind from invoices where order_id = ${order.id} order by issued_at, number`;
  const notifications = await sql<
    Array<{ template: string }>
  >`select template from notifications where order_id = ${order.id} order by id`;
  const milestones = await sql<
    Array<{ name: string }>
  >`select name from order_events where order_id = ${order.id} and kind = 'milestone' order by seq`;

  const calls = readJournal(journalFile);
  const booked = calls.filter((c) => c.call === 'book' && c.orderId === order.id);
  const tracking = new Set(booked.map((c) => c.trackingNumber));
  const refunds = new Map<string, number>();
  for (const c of calls)
    if (c.call === 'refund' && c.intentId === order.intentId) refunds.set(c.idempotencyKey!, c.amount!);
  return {
    reservations: {
      units: reservations.reduce((sum, r) => sum + r.quantity, 0),
      statuses: [...new Set(reservations.map((r) => r.status))],
    },
    stock: [...stock],
    ledger: ledger.map((row) => `${row.kind} ${row.amount}`),
    shipments: shipments.map((row) => row.status),
    invoices: invoices.map((row) => row.kind),
    notifications: notifications.map((row) => row.template),
    milestones: milestones.map((row) => row.name),
    provider: {
      bookings: tracking.size,
      cancellations: new Set(
        calls
          .filter((c) => c.call === 'cancel' && c.trackingNumber && tracking.has(c.trackingNumber))
          .map((c) => c.trackingNumber),
      ).size,
      refunds: [...refunds.values()].map((amount) => `refund ${amount}`),
    },
  };
}

function readJournal(file: string): ProviderCall[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProviderCall);
}

/** The effects of an order that shipped untouched: stock taken once, paid once, one booking, one invoice. */
export function shippedEffects(order: {
  quantity: number;
  onHand: number;
  total: number;
  milestones: string[];
}): OrderEffects {
  return {
    reservations: { units: order.quantity, statuses: ['committed'] },
    stock: [{ onHand: order.onHand - order.quantity, reserved: 0 }],
    ledger: [`capture ${order.total}`],
    shipments: ['booked'],
    invoices: ['invoice'],
    notifications: ['order_confirmed', 'invoice'],
    milestones: order.milestones,
    provider: { bookings: 1, cancellations: 0, refunds: [] },
  };
}

/** The effects of an order cancelled before it shipped: stock back, the money (if any) refunded once, nothing booked or invoiced. */
export function cancelledEffects(order: {
  quantity: number;
  onHand: number;
  paid: number;
  milestones: string[];
}): OrderEffects {
  const money = order.paid > 0 ? [`capture ${order.paid}`, `refund ${order.paid}`] : [];
  return {
    reservations: { units: order.quantity, statuses: ['released'] },
    stock: [{ onHand: order.onHand, reserved: 0 }],
    ledger: money,
    shipments: [],
    invoices: [],
    notifications: ['order_cancelled'],
    milestones: order.milestones,
    provider: { bookings: 0, cancellations: 0, refunds: order.paid > 0 ? [`refund ${order.paid}`] : [] },
  };
}
