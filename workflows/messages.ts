import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ContactProblem, InfoCorrection } from '../domain/contact-check.js';
import type { Allocation, PricedLine, RequestedLine, Shortage } from '../domain/order-lines.js';
import type { OrderAction, OrderStatus } from '../domain/order-status.js';
import type { Address, Channel, OrderType } from '../domain/order-schema.js';
import type { PaymentEventRecord } from '../domain/payment-events.js';
import type { InspectionFailure, ProductionJobStatus, ReplannedOrder } from '../domain/production.js';
import type { OrderPolicy } from '../domain/policy.js';
import type { PriceBreakdown } from '../domain/pricing.js';
import type { Review } from '../domain/risk.js';

/** What the API hands the workflow at placement: ids, priced lines, the risk review and the policy in force. */
export interface OrderWorkflowInput {
  orderId: string;
  placedAt: string;
  type: OrderType;
  channel: Channel;
  customerId: string;
  paymentMethod: string;
  lines: PricedLine[];
  pricing: PriceBreakdown;
  review: Review;
  requestedDeliveryBy?: string | undefined;
  policy: OrderPolicy;
  /** Set on the back-order of a split order: it waits for restock without asking anyone. */
  backorderOf?: string | undefined;
}

/** A payment provider's webhook, forwarded by the API: the ledger's event plus the provider's event id. */
export interface PaymentEvent extends Omit<PaymentEventRecord, 'orderId'> {
  eventId: string;
}

/** A carrier's tracking webhook, forwarded by the API. */
export interface ShipmentEvent {
  eventId: string;
  trackingNumber: string;
  type: 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';
  occurredAt: string;
  location?: string | undefined;
  detail?: string | undefined;
}

/** The factory's report on one of the order's jobs (shop-floor terminals), forwarded by the API. */
export interface ProductionJobEvent {
  eventId: string;
  kind: 'started' | 'progress' | 'completed';
  jobId: string;
  progress?: number | undefined;
  occurredAt: string;
}

/** An inspection of one of the order's jobs, already judged by the API against the product's standard. */
export interface ProductionInspection {
  eventId: string;
  kind: 'inspected';
  jobId: string;
  stage: 'in_process' | 'final';
  inspector: string;
  passed: boolean;
  failures: InspectionFailure[];
  at: string;
}

/** The work centre's plan changed (capacity, sequence, an urgent job, a cancellation): the order's jobs have new times. */
export interface ProductionReplanned extends Omit<ReplannedOrder, 'orderId'> {
  eventId: string;
  kind: 'replanned';
  reason: string;
}

/** News of the order's production, one signal for all kinds; deduplicated by event id. */
export type ProductionNews = ProductionJobEvent | ProductionInspection | ProductionReplanned;

/** A warehouse scanner's pick or pack scan of the order, forwarded by the API. */
export interface WarehouseScan {
  eventId: string;
  type: 'picked' | 'packed';
  warehouseId?: string | undefined;
  device?: string | undefined;
  occurredAt: string;
}

/** A flag raised on an order from outside its workflow (settlement, refund follow-up), for a person to look at. */
export interface OrderFlag {
  /** Once per event id: `<flag>:<transactionId>`. */
  eventId: string;
  flag: string;
  reason: string;
  detail: Record<string, unknown> & { transactionId: string };
}

/** A customer's answer to the satisfaction survey. */
export interface Feedback {
  ratings: { product: number; delivery: number; service: number };
  comment?: string | undefined;
  submittedAt: string;
}

/** Who confirms an order by hand, and why. */
export interface ConfirmRequest {
  actor: string;
  note?: string | undefined;
}

/** A support or service request to cancel, with who asks and why. */
export interface CancelRequest {
  actor: string;
  reason: string;
}

/** Support's correction of the details that put an order on hold. */
export interface CorrectInfoRequest {
  actor: string;
  correction: InfoCorrection;
}

/** Whether the correction released the hold, and what is still wrong if not. */
export interface CorrectInfoResult {
  status: 'released' | 'still_on_hold';
  problems: ContactProblem[];
}

/** What support decided for an order stock cannot cover. */
export interface ResolveShortageRequest {
  actor: string;
  decision: ShortageDecision;
  substitutes?: Substitution[] | undefined;
}

/**
 * Ship what is in stock and back-order the rest as an order of its own, replace short products,
 * wait for restock (the whole order is back-ordered), or cancel.
 */
export type ShortageDecision = (typeof SHORTAGE_DECISIONS)[number];
/** Every shortage decision support can take. */
export const SHORTAGE_DECISIONS = ['partial_ship', 'substitute', 'wait_restock', 'cancel'] as const;

/** A product that stands in for a short one, in the same quantity unless another is given. */
export interface Substitution {
  sku: string;
  substituteSku: string;
  quantity?: number | undefined;
}

/** What a shortage decision did: the order's new total, and the back-order opened for the rest. */
export interface ShortageResolution {
  decision: ShortageDecision;
  total?: number;
  backorderId?: string | null;
}

/** Support's change to an order: a new shipping address (until shipped), new lines (until confirmed), or both. */
export interface EditRequest {
  actor: string;
  reason?: string | undefined;
  shippingAddress?: Address | undefined;
  lines?: RequestedLine[] | undefined;
}

/** How an accepted edit settled the money with the customer. */
export type EditSettlement =
  | { kind: 'none' }
  | { kind: 'amount_due_changed'; amountDue: number }
  | { kind: 'refunded'; amount: number }
  | { kind: 'extra_payment_requested'; amount: number; intentId: string; deadline: string };

/** An accepted edit: what changed, the totals before and after, and the settlement. */
export interface EditResult {
  status: OrderStatus;
  revision: number;
  changed: Array<'shipping_address' | 'lines'>;
  previousTotal: number;
  total: number;
  settlement: EditSettlement;
}

/** A payment asked for after an edit raised the total of a paid order. */
export interface ExtraPayment {
  intentId: string;
  amount: number;
  deadline: string;
  status: 'pending' | 'captured';
  /** Of the captured amount, how much went back to the customer since. */
  refunded: number;
}

/** Stock arrived for these SKUs: back-ordered orders try their reservation again. */
export interface StockReplenished {
  skus: string[];
}

/** A customer's wish to send a delivered order back, relayed by support or a service. */
export interface ReturnRequest {
  actor: string;
  reason: string;
}

/** What a cancellation or return undid; asking again returns the same answer. */
export interface CancelResult {
  status: OrderStatus;
  reason: string;
  undone: string[];
  refunded: number;
  creditNote: string | null;
}

/** The workflow's own view of an order, as `getOrderState` returns it. */
export interface OrderState {
  orderId: string;
  status: OrderStatus;
  type: OrderType;
  milestones: Array<{ name: string; at: string }>;
  /** The lines and price as they are now: edits, substitutions and splits change them. */
  lines: PricedLine[];
  pricing: PriceBreakdown;
  /** How many edits were applied. */
  revision: number;
  allocations: Allocation[];
  payment: {
    intentId: string | null;
    status: 'not_requested' | 'pending' | 'failed' | 'captured' | 'refunded';
    amountPaid: number;
    amountRefunded: number;
    deadline: string | null;
    extras: ExtraPayment[];
  };
  review: Review & { confirmedBy: string | null; note: string | null; deadline: string | null };
  shipment: { carrierId: string; service: string; trackingNumber: string; eta: string; status: string } | null;
  invoice: { number: string; total: number } | null;
  feedback: Feedback | null;
  /** Made-to-order lines' production: the jobs, the promised date and whether a job runs late; null without such lines. */
  production: {
    promisedDate: string;
    late: boolean;
    started: boolean;
    /** The order's revision the jobs were planned for: an edit of the lines before production starts plans them again. */
    revision: number;
    jobs: Array<{
      id: string;
      sku: string;
      quantity: number;
      workCentre: string;
      lineNo: number;
      status: ProductionJobStatus;
      plannedStart: string;
      plannedEnd: string;
      progress: number;
      reworkRounds: number;
    }>;
  } | null;
  hold: { reason: string; problems: ContactProblem[]; deadline: string } | null;
  shortage: {
    shortages: Shortage[];
    deadline: string;
    decision: ShortageDecision | null;
    decidedBy: string | null;
    substitutes: Substitution[];
  } | null;
  /** The order split from this one for what stock could not cover, or the order this one was split from. */
  backorder: { orderId: string } | null;
  backorderOf: string | null;
  cancellation: { request: CancelRequest; result: CancelResult | null } | null;
  returns: { closesAt: string | null; request: ReturnRequest | null; result: CancelResult | null };
  flags: string[];
  waitingFor: string | null;
  outcome: { reason: string; detail?: unknown } | null;
  allowedActions: OrderAction[];
}

/** Payment provider facts: succeeded, failed, refunded, chargeback. Deduplicated by event id. */
export const paymentEventSignal = defineSignal<[PaymentEvent]>('paymentEvent');
/** Carrier facts: picked up, in transit, delivered, exception. Deduplicated by event id. */
export const shipmentEventSignal = defineSignal<[ShipmentEvent]>('shipmentEvent');
/** Survey answers after delivery; the first one inside the survey window counts. */
export const feedbackSubmittedSignal = defineSignal<[Feedback]>('feedbackSubmitted');
/** Factory, inspection and plan news of the order's production jobs. Deduplicated by event id. */
export const productionNewsSignal = defineSignal<[ProductionNews]>('productionNews');
/** Warehouse scanner events (picked, packed) for the order's timeline. Deduplicated by event id. */
export const warehouseScanSignal = defineSignal<[WarehouseScan]>('warehouseScan');
/** A flag from outside the order (settlement, refund follow-up) for its timeline and Temporal UI. Deduplicated by event id. */
export const orderFlagSignal = defineSignal<[OrderFlag]>('orderFlag');
/** Manual confirmation of an order that policy or risk rules hold for a person; refused in any other stage. */
export const confirmOrderUpdate = defineUpdate<{ status: OrderStatus; confirmedBy: string }, [ConfirmRequest]>(
  'confirmOrder',
);
/** Corrects the address or phone of an order on hold and re-runs verification; refused when the order is not on hold. */
export const correctInfoUpdate = defineUpdate<CorrectInfoResult, [CorrectInfoRequest]>('correctInfo');
/** Decides what happens to an order stock cannot cover; refused in any other stage. */
export const resolveShortageUpdate = defineUpdate<ShortageResolution, [ResolveShortageRequest]>('resolveShortage');
/** Changes the address (until shipped) or the lines (until confirmed): re-verified, re-priced, re-reserved, the difference settled. */
export const editOrderUpdate = defineUpdate<EditResult, [EditRequest]>('editOrder');
/** Inventory received stock: a back-ordered order retries its reservation. */
export const stockReplenishedSignal = defineSignal<[StockReplenished]>('stockReplenished');
/** Takes a delivered order back inside the return window: refund, credit note, goods back in stock. */
export const requestReturnUpdate = defineUpdate<CancelResult, [ReturnRequest]>('requestReturn');
/** Cancels an order that has not been picked up, undoing every side effect; refused (with the reason) after pickup. */
export const cancelOrderUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancelOrder');
/** The live state of the order. */
export const getOrderStateQuery = defineQuery<OrderState>('getOrderState');
