import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { PriceBreakdown } from '../domain/pricing.js';
import type { PlaceOrder } from '../domain/order-schema.js';
import type { Review } from '../domain/risk.js';
import { STAFF_ALERT_KINDS } from '../domain/staff-alerts.js';
import {
  PRODUCTION_EVENT_TYPES,
  PRODUCTION_JOB_STATUSES,
  type InspectionFailure,
  type QualityStandard,
  type ReplannedOrder,
} from '../domain/production.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Buyers, with their membership level and loyalty points. */
export const customers = pgTable(
  'customers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull().unique(),
    phone: text('phone').notNull(),
    memberLevel: text('member_level', { enum: ['standard', 'silver', 'gold', 'platinum'] })
      .notNull()
      .default('standard'),
    points: integer('points').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [check('customers_points_non_negative', sql`${t.points} >= 0`)],
);

/** The catalog; prices in minor units. */
export const products = pgTable(
  'products',
  {
    sku: text('sku').primaryKey(),
    name: text('name').notNull(),
    category: text('category').notNull(),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    weightGrams: integer('weight_grams').notNull(),
    volumeCm3: integer('volume_cm3').notNull(),
    madeToOrder: boolean('made_to_order').notNull().default(false),
    active: boolean('active').notNull().default(true),
    /** Units only urgent orders may take: contended stock goes to urgent orders first. */
    urgentReserve: integer('urgent_reserve').notNull().default(0),
    /** Who restocks a stocked product; null for made-to-order ones (their suppliers are on materials) and new ones not yet assigned. */
    supplierId: text('supplier_id').references(() => suppliers.id),
  },
  (t) => [
    check('products_price_positive', sql`${t.priceMinor} > 0`),
    check('products_urgent_reserve_non_negative', sql`${t.urgentReserve} >= 0`),
  ],
);

/** Warehouses and the product categories each may serve. */
export const warehouses = pgTable('warehouses', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  categories: text('categories').array().notNull(),
});

/** Stock by lot: FIFO by receipt date; reserved never exceeds on hand. */
export const stockLots = pgTable(
  'stock_lots',
  {
    id: serial('id').primaryKey(),
    sku: text('sku')
      .notNull()
      .references(() => products.sku),
    warehouseId: text('warehouse_id')
      .notNull()
      .references(() => warehouses.id),
    lotCode: text('lot_code').notNull().unique(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull().default(0),
  },
  (t) => [
    check('stock_lots_on_hand_non_negative', sql`${t.onHand} >= 0`),
    check('stock_lots_reserved_non_negative', sql`${t.reserved} >= 0`),
    check('stock_lots_reserved_within_on_hand', sql`${t.reserved} <= ${t.onHand}`),
    index('stock_lots_fifo').on(t.sku, t.receivedAt),
  ],
);

/** Carriers that can move parcels. */
export const carriers = pgTable('carriers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

/** A carrier's price per service and weight band. */
export const carrierRates = pgTable(
  'carrier_rates',
  {
    id: serial('id').primaryKey(),
    carrierId: text('carrier_id')
      .notNull()
      .references(() => carriers.id),
    service: text('service', { enum: ['standard', 'express'] }).notNull(),
    maxWeightGrams: integer('max_weight_grams').notNull(),
    maxVolumeCm3: integer('max_volume_cm3').notNull(),
    baseFee: integer('base_fee').notNull(),
    perKgFee: integer('per_kg_fee').notNull(),
    transitDays: integer('transit_days').notNull(),
  },
  (t) => [uniqueIndex('carrier_rates_band').on(t.carrierId, t.service, t.maxWeightGrams)],
);

/** The order read model: written by the API at placement and by activities after that. */
export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    type: text('type', { enum: ['regular', 'custom', 'urgent'] }).notNull(),
    channel: text('channel').notNull(),
    externalId: text('external_id'),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    request: jsonb('request').$type<PlaceOrder>().notNull(),
    pricing: jsonb('pricing').$type<PriceBreakdown>().notNull(),
    total: integer('total').notNull(),
    currency: text('currency').notNull(),
    /** The placing caller's Idempotency-Key: unique per caller, not across callers. */
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash').notNull(),
    /** The name of the API key that placed the order: a service key sees only its own. Null for orders placed before names (support and admin only). */
    placedBy: text('placed_by'),
    paymentIntentId: text('payment_intent_id'),
    pointsRedeemed: integer('points_redeemed').notNull().default(0),
    pointsReturnedAt: timestamp('points_returned_at', { withTimezone: true }),
    pointsCreditedAt: timestamp('points_credited_at', { withTimezone: true }),
    review: jsonb('review').$type<Review>(),
    holdReason: text('hold_reason'),
    flags: text('flags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The last edit applied (0: as placed); an edit is written once. */
    revision: integer('revision').notNull().default(0),
    /** The order this one was split from: it holds the lines stock could not cover then (one back-order per order). */
    backorderOf: text('backorder_of')
      .references((): AnyPgColumn => orders.id)
      .unique(),
    /** What the order's workflow is started with, kept so a start that failed or was never confirmed can be made again. */
    workflowInput: jsonb('workflow_input').$type<Record<string, unknown>>(),
    /** When the API knew the workflow was running; null with an input means the start is still owed. */
    workflowStartedAt: timestamp('workflow_started_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('orders_channel_external_id').on(t.channel, t.externalId),
    // Listings page by id (ULIDs sort by creation time), filtered by status or customer.
    index('orders_status_id').on(t.status, t.id),
    index('orders_customer_id').on(t.customerId, t.id),
    // The sweep for orders whose workflow start is still owed reads only those.
    index('orders_workflow_owed')
      .on(t.createdAt)
      .where(sql`${t.workflowStartedAt} is null and ${t.workflowInput} is not null`),
    index('orders_placed_by_id').on(t.placedBy, t.id),
    // Support lists flagged orders (`flagged`, `flag` filters): the few with a flag, newest first.
    index('orders_flagged_id')
      .on(t.id)
      .where(sql`cardinality(${t.flags}) > 0`),
    // Analytics and listings select orders by when they were placed.
    index('orders_created_at').on(t.createdAt),
    uniqueIndex('orders_placed_by_idempotency_key').on(t.placedBy, t.idempotencyKey),
  ],
);

/** Order lines with the catalog price at placement. */
export const orderLines = pgTable(
  'order_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    sku: text('sku')
      .notNull()
      .references(() => products.sku),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    customization: jsonb('customization').$type<Record<string, string>>(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.lineNo] }),
    check('order_lines_quantity_positive', sql`${t.quantity} > 0`),
  ],
);

/** Stock held for an order line from one lot. */
export const reservations = pgTable(
  'reservations',
  {
    id: serial('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    lotId: integer('lot_id')
      .notNull()
      .references(() => stockLots.id),
    sku: text('sku').notNull(),
    warehouseId: text('warehouse_id').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['reserved', 'released', 'committed', 'returned'] })
      .notNull()
      .default('reserved'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('reservations_line_lot').on(t.orderId, t.lineNo, t.lotId),
    check('reservations_quantity_positive', sql`${t.quantity} > 0`),
  ],
);

/** The order timeline: milestones, notes and flags, each once per workflow step. */
export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['milestone', 'note', 'flag'] }).notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('order_events_step').on(t.orderId, t.seq)],
);

/** Money movements reported by the payment provider, once per provider transaction. */
export const payments = pgTable(
  'payments',
  {
    id: serial('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    intentId: text('intent_id').notNull(),
    transactionId: text('transaction_id').notNull().unique(),
    /** The provider event that brought this entry (null for refunds we made, and rows from before 0005). */
    eventId: text('event_id'),
    kind: text('kind', { enum: ['capture', 'failure', 'refund', 'chargeback'] }).notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    failureReason: text('failure_reason'),
    /** When the money moved; for a refund we asked for, when the provider confirmed it (the request time until then). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** A refund we asked for is pending until the provider confirms it (`refund.succeeded`). */
    status: text('status', { enum: ['pending', 'succeeded'] })
      .notNull()
      .default('succeeded'),
    /** The idempotency key a refund was asked with: asking again with it is the same refund. */
    idempotencyKey: text('idempotency_key'),
    /** How many times an unconfirmed refund was asked again. */
    followUps: integer('follow_ups').notNull().default(0),
    /** When an unconfirmed refund was handed to a person. */
    flaggedAt: timestamp('flagged_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    check('payments_amount_non_negative', sql`${t.amount} >= 0`),
    index('payments_order').on(t.orderId),
    index('payments_intent').on(t.intentId),
    // Settlement pages through a period's money movements in one currency.
    index('payments_settled').on(t.currency, t.occurredAt, t.id),
    index('payments_pending_refunds')
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** Every support or service request sent to an order, with its answer: accepted or refused, and why. */
export const supportRequests = pgTable(
  'support_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    /** The order's stage when it was asked. */
    status: text('status').notNull(),
    outcome: text('outcome', { enum: ['accepted', 'refused', 'rejected'] }).notNull(),
    answer: jsonb('answer').$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key'),
    /** Who the body says asked (`requestedBy`, `confirmedBy`): a note; `actor` is the key's name. */
    requestedBy: text('requested_by'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('support_requests_order').on(t.orderId, t.id),
    uniqueIndex('support_requests_once').on(t.orderId, t.idempotencyKey),
  ],
);

/** Each caller's Idempotency-Keys: the action and request a key was first used for, so reuse for another one is refused. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    action: text('action').notNull(),
    /** Hash of the action, the order it concerns and the body. */
    requestHash: text('request_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.key] })],
);

/** Every webhook received, once per provider event id. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    orderId: text('order_id'),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    outcome: text('outcome'),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.eventId] }),
    // The sweep for events recorded but never delivered to their order reads only those.
    index('webhook_events_undelivered')
      .on(t.receivedAt)
      .where(sql`${t.deliveredAt} is null`),
  ],
);

/** Parcels booked with a carrier, one per order for now. */
export const shipments = pgTable('shipments', {
  id: serial('id').primaryKey(),
  orderId: text('order_id')
    .notNull()
    .references(() => orders.id)
    .unique(),
  carrierId: text('carrier_id')
    .notNull()
    .references(() => carriers.id),
  service: text('service', { enum: ['standard', 'express'] }).notNull(),
  trackingNumber: text('tracking_number').notNull().unique(),
  status: text('status', {
    enum: ['booked', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'cancelled'],
  })
    .notNull()
    .default('booked'),
  cost: integer('cost').notNull(),
  weightGrams: integer('weight_grams').notNull(),
  volumeCm3: integer('volume_cm3').notNull(),
  eta: timestamp('eta', { withTimezone: true }).notNull(),
  bookedAt: timestamp('booked_at', { withTimezone: true }).notNull().defaultNow(),
  pickedUpAt: timestamp('picked_up_at', { withTimezone: true }),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
});

/** The next invoice number per series; the row lock makes numbering gap-free. */
export const invoiceSequences = pgTable('invoice_sequences', {
  series: text('series').primaryKey(),
  next: integer('next').notNull().default(1),
});

/** Issued invoices: immutable once written (a trigger refuses changes to their content). */
export const invoices = pgTable(
  'invoices',
  {
    number: text('number').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    kind: text('kind', { enum: ['invoice', 'credit_note'] })
      .notNull()
      .default('invoice'),
    /** For a credit note: the invoice it voids. */
    creditsInvoice: text('credits_invoice'),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    billTo: jsonb('bill_to').$type<Record<string, unknown>>().notNull(),
    lines: jsonb('lines').$type<Array<Record<string, unknown>>>().notNull(),
    subtotal: integer('subtotal').notNull(),
    discountTotal: integer('discount_total').notNull(),
    shipping: integer('shipping').notNull(),
    tax: integer('tax').notNull(),
    total: integer('total').notNull(),
    currency: text('currency').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    contentHash: text('content_hash').notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('invoices_one_per_order_kind').on(t.orderId, t.kind)],
);

/** Messages sent to customers through the notification port (the sandbox keeps them here). */
export const notifications = pgTable('notifications', {
  id: serial('id').primaryKey(),
  orderId: text('order_id')
    .notNull()
    .references(() => orders.id),
  template: text('template').notNull(),
  channel: text('channel', { enum: ['email', 'sms', 'phone', 'online'] }).notNull(),
  recipient: text('recipient').notNull(),
  dedupeKey: text('dedupe_key').notNull().unique(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Satisfaction surveys: sent after delivery, answered at most once. */
export const surveys = pgTable(
  'surveys',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id),
    channel: text('channel', { enum: ['email', 'sms', 'phone', 'online'] }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
    /** Answers submitted from then on do not count; null for surveys sent before it was kept. */
    closesAt: timestamp('closes_at', { withTimezone: true }),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    productRating: integer('product_rating'),
    deliveryRating: integer('delivery_rating'),
    serviceRating: integer('service_rating'),
    comment: text('comment'),
  },
  (t) => [
    check(
      'surveys_ratings_in_range',
      sql`coalesce(${t.productRating}, 1) between 1 and 5 and coalesce(${t.deliveryRating}, 1) between 1 and 5 and coalesce(${t.serviceRating}, 1) between 1 and 5`,
    ),
  ],
);

/** Orders support follows up after a low survey rating: one per order, taken and resolved by a person. */
export const followUps = pgTable(
  'follow_ups',
  {
    id: serial('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id)
      .unique(),
    reason: text('reason', { enum: ['low_rating'] }).notNull(),
    ratings: jsonb('ratings').$type<{ product: number; delivery: number; service: number }>().notNull(),
    comment: text('comment'),
    status: text('status', { enum: ['open', 'in_progress', 'resolved'] })
      .notNull()
      .default('open'),
    owner: text('owner'),
    note: text('note'),
    /** The key name of the last caller who changed it; null while nobody has. */
    updatedBy: text('updated_by'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  // Support lists them newest first, often by status.
  (t) => [index('follow_ups_status_id').on(t.status, t.id)],
);

/** Alerts sent to staff through the staff notification port (the sandbox keeps them here). */
export const staffAlerts = pgTable(
  'staff_alerts',
  {
    id: serial('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    kind: text('kind', { enum: STAFF_ALERT_KINDS }).notNull(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    subject: text('subject').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Staff list them newest first, by kind or by order.
  (t) => [index('staff_alerts_kind_id').on(t.kind, t.id), index('staff_alerts_order_id').on(t.orderId, t.id)],
);

/** Where made-to-order products are made, and how many working minutes each has per day. */
export const workCentres = pgTable(
  'work_centres',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    dailyCapacityMinutes: integer('daily_capacity_minutes').notNull(),
  },
  (t) => [check('work_centres_capacity_positive', sql`${t.dailyCapacityMinutes} > 0`)],
);

/** Who supplies materials, and how many days an order from them takes to arrive. */
export const suppliers = pgTable(
  'suppliers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    leadTimeDays: integer('lead_time_days').notNull(),
  },
  (t) => [check('suppliers_lead_time_non_negative', sql`${t.leadTimeDays} >= 0`)],
);

/** Raw materials: stock on hand, what planned jobs hold of it, its supplier and its incoming standard. */
export const materials = pgTable(
  'materials',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    unit: text('unit').notNull(),
    supplierId: text('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    onHand: integer('on_hand').notNull().default(0),
    /** Held for planned jobs; may exceed on hand while a purchase order is on its way. */
    reserved: integer('reserved').notNull().default(0),
    qualityStandard: jsonb('quality_standard').$type<QualityStandard>().notNull(),
  },
  (t) => [
    check('materials_on_hand_non_negative', sql`${t.onHand} >= 0`),
    check('materials_reserved_non_negative', sql`${t.reserved} >= 0`),
  ],
);

/** How a made-to-order product is made: its work centre, minutes per unit and the standard its goods must meet. */
export const productionSpecs = pgTable(
  'production_specs',
  {
    sku: text('sku')
      .primaryKey()
      .references(() => products.sku),
    workCentreId: text('work_centre_id')
      .notNull()
      .references(() => workCentres.id),
    minutesPerUnit: integer('minutes_per_unit').notNull(),
    qualityStandard: jsonb('quality_standard').$type<QualityStandard>().notNull(),
  },
  (t) => [check('production_specs_minutes_positive', sql`${t.minutesPerUnit} > 0`)],
);

/** The bill of materials: how much of each material one unit of a product takes. */
export const billOfMaterials = pgTable(
  'bill_of_materials',
  {
    sku: text('sku')
      .notNull()
      .references(() => products.sku),
    materialId: text('material_id')
      .notNull()
      .references(() => materials.id),
    quantityPerUnit: integer('quantity_per_unit').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sku, t.materialId] }),
    check('bill_of_materials_quantity_positive', sql`${t.quantityPerUnit} > 0`),
  ],
);

/** Material ordered from a supplier for planned jobs; due after the supplier's lead time. */
export const purchaseOrders = pgTable(
  'purchase_orders',
  {
    id: serial('id').primaryKey(),
    supplierId: text('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    materialId: text('material_id')
      .notNull()
      .references(() => materials.id),
    quantity: integer('quantity').notNull(),
    /** The job whose plan ordered it. */
    jobId: text('job_id'),
    orderedAt: timestamp('ordered_at', { withTimezone: true }).notNull().defaultNow(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }),
  },
  (t) => [
    check('purchase_orders_quantity_positive', sql`${t.quantity} > 0`),
    index('purchase_orders_open').on(t.supplierId, t.materialId, t.dueAt),
  ],
);

/** Material lots as they arrived, with the incoming inspection's verdict; rejected lots never reach stock. */
export const materialReceipts = pgTable(
  'material_receipts',
  {
    /** The sender's receipt id: a repeat is the same receipt. */
    id: text('id').primaryKey(),
    supplierId: text('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    materialId: text('material_id')
      .notNull()
      .references(() => materials.id),
    quantity: integer('quantity').notNull(),
    measurements: jsonb('measurements').$type<Record<string, number>>().notNull(),
    passed: boolean('passed').notNull(),
    failures: jsonb('failures').$type<InspectionFailure[]>().notNull(),
    purchaseOrderId: integer('purchase_order_id').references(() => purchaseOrders.id),
    /** Whether it came by its purchase order's due date; null when no purchase order was open. */
    onTime: boolean('on_time'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('material_receipts_supplier').on(t.supplierId, t.receivedAt)],
);

/** One made-to-order line's production: its place in its work centre's plan and where it is now. */
export const productionJobs = pgTable(
  'production_jobs',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    lineNo: integer('line_no').notNull(),
    sku: text('sku')
      .notNull()
      .references(() => products.sku),
    quantity: integer('quantity').notNull(),
    workCentreId: text('work_centre_id')
      .notNull()
      .references(() => workCentres.id),
    urgent: boolean('urgent').notNull().default(false),
    status: text('status', { enum: PRODUCTION_JOB_STATUSES }).notNull().default('planned'),
    /** Position in the work centre's plan among jobs of the same urgency; lower goes first. */
    sequence: integer('sequence').notNull(),
    minutes: integer('minutes').notNull(),
    /** When its material is there: now, or when the purchase order for it is due. */
    materialReadyAt: timestamp('material_ready_at', { withTimezone: true }).notNull(),
    plannedStart: timestamp('planned_start', { withTimezone: true }).notNull(),
    plannedEnd: timestamp('planned_end', { withTimezone: true }).notNull(),
    progress: integer('progress').notNull().default(0),
    reworkRounds: integer('rework_rounds').notNull().default(0),
    /** The scrapped job this one replaces. */
    replaces: text('replaces'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    check('production_jobs_quantity_positive', sql`${t.quantity} > 0`),
    check('production_jobs_progress_range', sql`${t.progress} between 0 and 100`),
    index('production_jobs_order').on(t.orderId, t.lineNo),
    index('production_jobs_plan').on(t.workCentreId, t.status, t.sequence),
  ],
);

/** Material held for a job until it is done (consumed) or cancelled (released). */
export const jobMaterials = pgTable(
  'job_materials',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => productionJobs.id),
    materialId: text('material_id')
      .notNull()
      .references(() => materials.id),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['reserved', 'consumed', 'released'] })
      .notNull()
      .default('reserved'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.materialId] })],
);

/** What the factory's terminals reported about jobs, once per event id. */
export const productionEvents = pgTable(
  'production_events',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => productionJobs.id),
    type: text('type', { enum: PRODUCTION_EVENT_TYPES }).notNull(),
    progress: integer('progress'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    reportedBy: text('reported_by').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the order's workflow was told; null while that is still owed. */
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('production_events_job').on(t.jobId, t.occurredAt)],
);

/** In-process and final inspections of jobs, judged by the server against the product's standard. */
export const inspections = pgTable(
  'inspections',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => productionJobs.id),
    stage: text('stage', { enum: ['in_process', 'final'] }).notNull(),
    inspector: text('inspector').notNull(),
    measurements: jsonb('measurements').$type<Record<string, number>>().notNull(),
    passed: boolean('passed').notNull(),
    failures: jsonb('failures').$type<InspectionFailure[]>().notNull(),
    reportedBy: text('reported_by').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('inspections_job').on(t.jobId, t.at)],
);

/** Warehouse scanner events per order (picked, packed), once per event id. */
export const warehouseEvents = pgTable(
  'warehouse_events',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    type: text('type', { enum: ['picked', 'packed'] }).notNull(),
    warehouseId: text('warehouse_id').references(() => warehouses.id),
    device: text('device'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    reportedBy: text('reported_by').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('warehouse_events_order').on(t.orderId, t.occurredAt)],
);

/** Orders a plan change moved, to be told their new dates: written with the change, delivered to their workflows after it. */
export const productionNotices = pgTable(
  'production_notices',
  {
    /** The signal's event id: the order's workflow takes each notice once. */
    eventId: text('event_id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    /** The order whose planning moved it (urgent job, cancellation, scrap, new lines); null for a change from the API. */
    actingOrderId: text('acting_order_id'),
    reason: text('reason').notNull(),
    notice: jsonb('notice').$type<Omit<ReplannedOrder, 'orderId'>>().notNull(),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('production_notices_owed')
      .on(t.createdAt)
      .where(sql`${t.deliveredAt} is null`),
    index('production_notices_acting').on(t.actingOrderId),
  ],
);

export * from './schema-settlement.js';

/**
 * Analytics read model: one row per stage an order entered (final statuses are not stages), kept in step with
 * the timeline by a trigger on `order_events` (migration 0016), with the order's filter fields copied in.
 */
export const orderStageSpans = pgTable(
  'order_stage_spans',
  {
    // No foreign key: the trigger writes spans only for orders it joins; checking each span made bulk loads a third slower.
    orderId: text('order_id').notNull(),
    /** The timeline entry that entered the stage. */
    enteredSeq: integer('entered_seq').notNull(),
    stage: text('stage').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    /** Null while the order is still in the stage. */
    leftAt: timestamp('left_at', { withTimezone: true }),
    /** Whole milliseconds between the instants as the API shows them (truncated); null while in the stage. */
    durationMs: bigint('duration_ms', { mode: 'number' }),
    orderType: text('order_type').notNull(),
    channel: text('channel').notNull(),
    carrierId: text('carrier_id'),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.enteredSeq] }),
    // Percentiles read each stage's finished spans in duration order from an index alone: the narrow one over
    // every order, the wide one (the filters' fields included) for a selection.
    index('order_stage_spans_done_all')
      .on(t.stage, t.durationMs)
      .where(sql`${t.leftAt} is not null`),
    index('order_stage_spans_done')
      .on(t.stage, t.durationMs, t.orderType, t.channel, t.carrierId, t.placedAt)
      .where(sql`${t.leftAt} is not null`),
    // One order type is a contiguous run, already in duration order within each stage.
    index('order_stage_spans_done_by_type')
      .on(t.orderType, t.stage, t.durationMs)
      .where(sql`${t.leftAt} is not null`),
    index('order_stage_spans_waiting')
      .on(t.stage, t.enteredAt, t.orderId)
      .where(sql`${t.leftAt} is null`),
  ],
);

/** Analytics read model: what each order's timeline reached, one row per order, kept in step by triggers (migration 0016). */
export const orderOutcomes = pgTable(
  'order_outcomes',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id, { onDelete: 'cascade' }),
    orderType: text('order_type').notNull(),
    channel: text('channel').notNull(),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    paid: boolean('paid').notNull().default(false),
    shipped: boolean('shipped').notNull().default(false),
    delivered: boolean('delivered').notNull().default(false),
    completed: boolean('completed').notNull().default(false),
    cancelled: boolean('cancelled').notNull().default(false),
    returned: boolean('returned').notNull().default(false),
    failed: boolean('failed').notNull().default(false),
    onHold: boolean('on_hold').notNull().default(false),
    short: boolean('short').notNull().default(false),
    split: boolean('split').notNull().default(false),
    substituted: boolean('substituted').notNull().default(false),
    backordered: boolean('backordered').notNull().default(false),
    paymentFailures: integer('payment_failures').notNull().default(0),
    parcelLate: boolean('parcel_late').notNull().default(false),
    productionLate: boolean('production_late').notNull().default(false),
    /** The last cancellation's reason, whether it was asked through the API, and the status just before it. */
    cancelReason: text('cancel_reason'),
    cancelRequested: boolean('cancel_requested'),
    cancelStage: text('cancel_stage'),
  },
  (t) => [index('order_outcomes_placed_at').on(t.placedAt)],
);
