/** Thresholds that send an order to a person before it is confirmed. */
export interface RiskRules {
  largeFirstOrderFrom: number;
  largeOrderFrom: number;
  maxUnitsOfOneSku: number;
}

/** The shop's current risk rules; amounts in minor units. */
export const DEFAULT_RISK_RULES: RiskRules = {
  largeFirstOrderFrom: 50_000,
  largeOrderFrom: 250_000,
  maxUnitsOfOneSku: 20,
};

/** Why an order waits for manual confirmation. */
export type ReviewReason = 'custom_order' | 'large_first_order' | 'large_order' | 'many_units_of_one_sku';

/** Whether a person must confirm the order, and why. */
export interface Review {
  required: boolean;
  reasons: ReviewReason[];
}

/** Decides whether an order may be confirmed automatically (the lean path) or needs a person. */
export function assessRisk(
  order: {
    type: 'regular' | 'custom' | 'urgent';
    total: number;
    lines: ReadonlyArray<{ sku: string; quantity: number; madeToOrder?: boolean }>;
    previousOrders: number;
  },
  rules: RiskRules = DEFAULT_RISK_RULES,
): Review {
  const reasons: ReviewReason[] = [];
  // Made-to-order work is costly to undo: a person checks the specification first.
  if (order.type === 'custom' || order.lines.some((line) => line.madeToOrder)) reasons.push('custom_order');
  if (order.previousOrders === 0 && order.total >= rules.largeFirstOrderFrom) reasons.push('large_first_order');
  if (order.total >= rules.largeOrderFrom) reasons.push('large_order');
  const unitsBySku = new Map<string, number>();
  for (const line of order.lines) unitsBySku.set(line.sku, (unitsBySku.get(line.sku) ?? 0) + line.quantity);
  if ([...unitsBySku.values()].some((units) => units > rules.maxUnitsOfOneSku)) reasons.push('many_units_of_one_sku');
  return { required: reasons.length > 0, reasons };
}
