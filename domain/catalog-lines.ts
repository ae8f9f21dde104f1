import type { OrderType } from './order-schema.js';

/** What line checks and pricing need to know about a catalog product. */
export interface CatalogProduct {
  sku: string;
  priceMinor: number;
  currency: string;
  category: string;
  madeToOrder: boolean;
  active: boolean;
}

/** Why a requested line cannot be sold, pointing at its field. */
export interface LineProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Checks requested lines against the catalog as it is now: each product exists, is still sold,
 * is made to order only on custom and urgent orders (never regular ones), and is priced in the shop's currency.
 */
export function checkCatalogLines(
  lines: ReadonlyArray<{ sku: string }>,
  catalog: ReadonlyMap<string, CatalogProduct>,
  orderType: OrderType,
  currency: string,
): LineProblem[] {
  return lines.flatMap((line, index): LineProblem[] => {
    const product = catalog.get(line.sku);
    const path = ['lines', index, 'sku'];
    if (!product) return [{ path, message: 'is not in the catalog' }];
    if (!product.active) return [{ path, message: 'is no longer sold' }];
    if (product.madeToOrder && orderType === 'regular')
      return [{ path, message: 'is made to order: place it as a custom or urgent order' }];
    if (product.currency !== currency)
      return [{ path, message: `is priced in ${product.currency}, the shop sells in ${currency}` }];
    return [];
  });
}

/** A requested line priced at the catalog price, numbered from 1 in request order. */
export interface CatalogLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPrice: number;
  madeToOrder: boolean;
  customization?: Record<string, string> | undefined;
}

/** Numbers requested lines and prices them from the catalog; every SKU must have passed `checkCatalogLines`. */
export function catalogLines(
  lines: ReadonlyArray<{ sku: string; quantity: number; customization?: Record<string, string> | undefined }>,
  catalog: ReadonlyMap<string, CatalogProduct>,
): CatalogLine[] {
  return lines.map((line, index) => ({
    lineNo: index + 1,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: catalog.get(line.sku)!.priceMinor,
    madeToOrder: catalog.get(line.sku)!.madeToOrder,
    ...(line.customization ? { customization: line.customization } : {}),
  }));
}
