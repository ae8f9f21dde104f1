import type { PriceBreakdown } from './pricing.js';
import type { Review } from './risk.js';

/** One order line as activities see it. */
export interface OrderLineRef {
  lineNo: number;
  sku: string;
  quantity: number;
  madeToOrder: boolean;
}

/** An order line with the catalog unit price it was sold at. */
export interface PricedLine extends OrderLineRef {
  unitPrice: number;
  customization?: Record<string, string> | undefined;
}

/** Stock taken from one lot for one line. */
export interface Allocation {
  lineNo: number;
  sku: string;
  lotId: number;
  warehouseId: string;
  quantity: number;
}

/** A line that stock cannot cover. */
export interface Shortage {
  lineNo: number;
  sku: string;
  requested: number;
  available: number;
}

/** A line as support asks for it: the price always comes from the catalog. */
export interface RequestedLine {
  sku: string;
  quantity: number;
  customization?: Record<string, string> | undefined;
}

/** An order's lines as they would be after a change: priced today, reviewed again. */
export interface RevisedLines {
  lines: PricedLine[];
  pricing: PriceBreakdown;
  review: Review;
}
