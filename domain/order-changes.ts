import { isCancellable, type OrderStatus } from './order-status.js';

/** A line as an order change sees it. */
export interface ChangeLine {
  lineNo: number;
  sku: string;
  quantity: number;
  customization?: Record<string, string> | undefined;
}

/** A line an order change asks for: product, quantity and customization; priced elsewhere. */
export interface WantedLine {
  sku: string;
  quantity: number;
  customization?: Record<string, string> | undefined;
}

/** How much of a line stock could cover when it was reserved. */
export interface LineShortage {
  lineNo: number;
  requested: number;
  available: number;
}

/** Stages in which lines and quantities may still change: until the order is confirmed. */
const LINES_EDITABLE: ReadonlySet<OrderStatus> = new Set([
  'received',
  'on_hold',
  'reserving',
  'awaiting_shortage_decision',
  'awaiting_payment',
  'awaiting_confirmation',
]);

/** Whether an order in this stage accepts new lines. */
export const canEditLines = (status: OrderStatus) => LINES_EDITABLE.has(status);

/** Whether an order in this stage accepts a new shipping address: until the parcel leaves. */
export const canEditAddress = (status: OrderStatus) => isCancellable(status);

const wanted = (line: ChangeLine, quantity = line.quantity): WantedLine => ({
  sku: line.sku,
  quantity,
  ...(line.customization ? { customization: line.customization } : {}),
});

/** Splits an order stock cannot cover into what ships now and what is back-ordered. */
export function splitByShortage(
  lines: readonly ChangeLine[],
  shortages: readonly LineShortage[],
): { now: WantedLine[]; rest: WantedLine[] } {
  const short = new Map(shortages.map((s) => [s.lineNo, s]));
  const now: WantedLine[] = [];
  const rest: WantedLine[] = [];
  for (const line of lines) {
    const shortage = short.get(line.lineNo);
    const available = shortage ? Math.min(shortage.available, line.quantity) : line.quantity;
    if (available > 0) now.push(wanted(line, available));
    if (line.quantity > available) rest.push(wanted(line, line.quantity - available));
  }
  return { now, rest };
}

/** The order's lines with short products replaced by their substitutes (same quantity unless given). */
export function substituteLines(
  lines: readonly ChangeLine[],
  substitutes: ReadonlyArray<{ sku: string; substituteSku: string; quantity?: number | undefined }>,
): WantedLine[] {
  const bySku = new Map(substitutes.map((s) => [s.sku, s]));
  return lines.map((line) => {
    const substitute = bySku.get(line.sku);
    return substitute
      ? { ...wanted(line, substitute.quantity ?? line.quantity), sku: substitute.substituteSku }
      : wanted(line);
  });
}
