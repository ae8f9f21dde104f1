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
