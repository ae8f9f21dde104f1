import { z } from 'zod';

/** Where an order came in. */
export const CHANNELS = ['web', 'app', 'mini_program', 'phone', 'email', 'marketplace'] as const;
/** The three paths an order can take. */
export const ORDER_TYPES = ['regular', 'custom', 'urgent'] as const;
/** How the customer pays. */
export const PAYMENT_METHODS = ['credit_card', 'debit_card', 'wallet'] as const;

/** A channel name. */
export type Channel = (typeof CHANNELS)[number];
/** An order type. */
export type OrderType = (typeof ORDER_TYPES)[number];
/** A payment method. */
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

/** The buyer, as the caller knows them. */
export const CustomerSchema = z.strictObject({
  id: z.string().trim().min(1).max(64).optional(),
  name: text(200),
  email: z.email('must be an e-mail address').max(254),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number such as +49 30 1234567'),
});

/** Where the goods go. */
export const AddressSchema = z.strictObject({
  recipient: text(200),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number such as +49 30 1234567'),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE'),
  region: text(100),
  city: text(100),
  line1: text(200),
  line2: z.string().trim().max(200).optional(),
  postalCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9 -]{2,12}$/, 'must be a postal code'),
});

/** A shipping address. */
export type Address = z.infer<typeof AddressSchema>;

/** One requested line: the price comes from the catalog, never from the caller. */
export const OrderLineRequestSchema = z.strictObject({
  sku: z
    .string()
    .trim()
    .regex(/^[A-Z0-9-]{2,40}$/, 'must be an upper-case SKU such as TEA-001'),
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(999, 'must be at most 999'),
  customization: z.record(z.string().max(64), z.string().max(500)).optional(),
});

/** An order's lines: at least one, at most 100. */
export const OrderLinesSchema = z.array(OrderLineRequestSchema).min(1, 'an order needs at least one line').max(100);

/** The body of `POST /v1/orders`. */
export const PlaceOrderSchema = z
  .strictObject({
    channel: z.enum(CHANNELS),
    externalId: z.string().trim().min(1).max(100).optional(),
    type: z.enum(ORDER_TYPES),
    customer: CustomerSchema,
    shippingAddress: AddressSchema,
    lines: OrderLinesSchema,
    couponCode: z.string().trim().toUpperCase().min(1).max(40).optional(),
    pointsToRedeem: z.number().int().min(0).max(1_000_000).optional(),
    paymentMethod: z.enum(PAYMENT_METHODS),
    requestedDeliveryBy: z.iso.datetime({ offset: true }).optional(),
    notes: z.string().max(2000).optional(),
  })
  .superRefine((order, ctx) => {
    if (order.channel === 'marketplace' && !order.externalId) {
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'required for marketplace orders' });
    }
    const seen = new Set<string>();
    order.lines.forEach((line, index) => {
      if (seen.has(line.sku) && !line.customization) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'sku'],
          message: 'appears twice: merge the quantities into one line',
        });
      }
      seen.add(line.sku);
    });
  });

/** A validated order request. */
export type PlaceOrder = z.infer<typeof PlaceOrderSchema>;
