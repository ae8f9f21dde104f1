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
 * is made to order only on custom orders, and is priced in the shop's currency.
 */
export function checkCatalogLines(lines: ReadonlyArray<{ sku: string }>, catalog: ReadonlyMap<string, CatalogProduct>, orderType: OrderType, currency: string): LineProblem[] {
  return lines.flatMap((line, index): LineProblem[] => {
    const product = catalog.get(line.sku);
    const path = ['lines', index, 'sku'];
    if (!product) return [{ path, message: 'is not in the catalog' }];
    if (!product.active) return [{ path, message: 'is no longer sold' }];
    if (product.madeToOrder && orderType !== 'custom') return [{ path, message: 'is made to order: place it as a custom order' }];
    if (product.currency !== currency) return [{ path, message: `is priced in ${product.currency}, the shop sells in ${currency}` }];
    return [];
  });
}
