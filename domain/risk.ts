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
export type ReviewReason =
  | 'custom_order'
  | 'large_first_order'
  | 'large_order'
  | 'many_units_of_one_sku'
  | 'many_recent_orders'
  | 'many_orders_to_address';

/** Reasons that come from the orders placed around this one, not from the order itself: decided once, at placement. */
export const VELOCITY_REASONS = ['many_recent_orders', 'many_orders_to_address'] as const satisfies ReviewReason[];

/** A reason from the pattern of recent orders. */
export type VelocityReason = (typeof VELOCITY_REASONS)[number];

/** Reasons that make an order suspicious (possible fraud): its review also flags it `suspicious_order`. */
export const SUSPICIOUS_REASONS: ReadonlyArray<ReviewReason> = ['large_first_order', ...VELOCITY_REASONS];

/** How many orders in the velocity window are too many; null switches a rule off. */
export interface VelocityRules {
  windowMs: number;
  maxOrdersPerCustomer: number | null;
  maxOrdersPerAddress: number | null;
}

/** The fields of a shipping address that locate a door: recipient and phone do not, and the region repeats the city. */
export const DOOR_FIELDS = ['country', 'postalCode', 'city', 'line1', 'line2'] as const;

/** Whether a person must confirm the order, and why. */
export interface Review {
  required: boolean;
  reasons: ReviewReason[];
}

/** The velocity reasons of an order placed now, from the orders already placed in the window (this one not counted). */
export function velocityReasons(
  recent: { byCustomer: number; toAddress: number },
  rules: VelocityRules,
): VelocityReason[] {
  const reasons: VelocityReason[] = [];
  if (rules.maxOrdersPerCustomer !== null && recent.byCustomer >= rules.maxOrdersPerCustomer)
    reasons.push('many_recent_orders');
  if (rules.maxOrdersPerAddress !== null && recent.toAddress >= rules.maxOrdersPerAddress)
    reasons.push('many_orders_to_address');
  return reasons;
}

/** The velocity reasons a review already holds: an edit or split keeps them instead of counting again. */
export function velocityReasonsOf(review: Review | null): VelocityReason[] {
  return (review?.reasons ?? []).filter((reason): reason is VelocityReason =>
    (VELOCITY_REASONS as ReadonlyArray<ReviewReason>).includes(reason),
  );
}

/** The reasons of a review that make the order suspicious. */
export function suspiciousReasons(review: Pick<Review, 'reasons'>): ReviewReason[] {
  return review.reasons.filter((reason) => SUSPICIOUS_REASONS.includes(reason));
}

/** Decides whether an order may be confirmed automatically (the lean path) or needs a person. */
export function assessRisk(
  order: {
    type: 'regular' | 'custom' | 'urgent';
    total: number;
    lines: ReadonlyArray<{ sku: string; quantity: number; madeToOrder?: boolean }>;
    previousOrders: number;
    /** What the pattern of recent orders at placement said (velocityReasons). */
    velocity?: ReadonlyArray<VelocityReason>;
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
  reasons.push(...(order.velocity ?? []));
  return { required: reasons.length > 0, reasons };
}
