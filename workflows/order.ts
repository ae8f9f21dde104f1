import {
  allHandlersFinished,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { Allocation } from '../activities/types.js';
import { allowedActions, type OrderAction, type OrderStatus } from '../domain/order-status.js';
import type { Channel, OrderType } from '../domain/order-schema.js';
import type { OrderPolicy } from '../domain/policy.js';
import type { PriceBreakdown } from '../domain/pricing.js';
import { FlaggedKey, OrderStatusKey } from './search-attributes.js';

/** What the API hands the workflow at placement: ids, priced lines and the policy in force. */
export interface OrderWorkflowInput {
  orderId: string;
  placedAt: string;
  type: OrderType;
  channel: Channel;
  customerId: string;
  paymentMethod: string;
  lines: Array<{ lineNo: number; sku: string; quantity: number; unitPrice: number; madeToOrder: boolean }>;
  pricing: PriceBreakdown;
  policy: OrderPolicy;
}

/** A payment provider's webhook, forwarded by the API. */
export interface PaymentEvent {
  eventId: string;
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded' | 'chargeback.created';
  paymentIntentId: string;
  transactionId: string;
  amount: number;
  currency: string;
  occurredAt: string;
  failureReason?: string | undefined;
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

/** The workflow's own view of an order, as `getOrderState` returns it. */
export interface OrderState {
  orderId: string;
  status: OrderStatus;
  type: OrderType;
  milestones: Array<{ name: string; at: string }>;
  allocations: Allocation[];
  payment: { intentId: string | null; status: 'not_requested' | 'pending' | 'failed' | 'captured'; amountPaid: number; deadline: string | null };
  flags: string[];
  waitingFor: string | null;
  outcome: { reason: string; detail?: unknown } | null;
  allowedActions: OrderAction[];
}

/** Payment provider facts: succeeded, failed, refunded, chargeback. Deduplicated by event id. */
export const paymentEventSignal = defineSignal<[PaymentEvent]>('paymentEvent');
/** Carrier facts: picked up, in transit, delivered, exception. Deduplicated by event id. */
export const shipmentEventSignal = defineSignal<[ShipmentEvent]>('shipmentEvent');
/** Survey answers after delivery; the first one counts. */
export const feedbackSubmittedSignal = defineSignal<[Feedback]>('feedbackSubmitted');
/** Manual confirmation of an order that policy or risk rules hold for a person; refused in any other stage. */
export const confirmOrderUpdate = defineUpdate<{ status: OrderStatus; confirmedBy: string }, [ConfirmRequest]>('confirmOrder');
/** The live state of the order. */
export const getOrderStateQuery = defineQuery<OrderState>('getOrderState');

const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** One order from placement to its outcome: verify, reserve stock, wait for payment, confirm. */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const state: OrderState = {
    orderId: input.orderId,
    status: 'received',
    type: input.type,
    milestones: [],
    allocations: [],
    payment: { intentId: null, status: 'not_requested', amountPaid: 0, deadline: null },
    flags: [],
    waitingFor: null,
    outcome: null,
    allowedActions: [],
  };
  const paymentInbox: PaymentEvent[] = [];
  const seenEventIds = new Set<string>();
  let step = 0;

  setHandler(getOrderStateQuery, () => ({ ...state, allowedActions: allowedActions(state.status) }));
  setHandler(paymentEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    paymentInbox.push(event);
  });

  /** Records a timeline entry; a milestone also moves the order to `status`. */
  async function record(kind: 'milestone' | 'note' | 'flag', name: string, status: OrderStatus, extra: { reason?: string; detail?: Record<string, unknown> } = {}) {
    const at = new Date().toISOString();
    if (kind === 'milestone') state.milestones.push({ name, at });
    if (kind === 'flag' && !state.flags.includes(name)) {
      state.flags.push(name);
      upsertSearchAttributes([{ key: FlaggedKey, value: true }]);
    }
    if (status !== state.status) {
      state.status = status;
      upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    }
    step += 1;
    await activities.recordOrderProgress({ orderId: input.orderId, seq: step, kind, name, status, actor: 'orchestrator', at, ...extra, flags: [...state.flags] });
  }

  function waitFor(what: string | null) {
    state.waitingFor = what;
    setCurrentDetails(what ? `**${state.status}**: waiting for ${what}` : `**${state.status}**`);
  }

  /** Undoes what placement took (stock, redeemed points); each step is idempotent and survives cancellation. */
  async function undoPlacement() {
    await CancellationScope.nonCancellable(async () => {
      if (state.allocations.length > 0) await activities.releaseStock({ orderId: input.orderId });
      if (input.pricing.pointsRedeemed > 0) await activities.returnRedeemedPoints({ orderId: input.orderId });
    });
  }

  async function finish(status: 'cancelled' | 'failed', reason: string, detail?: Record<string, unknown>): Promise<OrderState> {
    state.outcome = { reason, detail };
    waitFor(null);
    await record('milestone', status === 'cancelled' ? 'order_cancelled' : 'order_failed', status, { reason, ...(detail ? { detail } : {}) });
    await condition(allHandlersFinished);
    return { ...state, allowedActions: [] };
  }

  await record('milestone', 'order_received', 'received', { detail: { total: input.pricing.total, currency: input.pricing.currency } });

  const verification = await activities.verifyOrder({ orderId: input.orderId, skus: input.lines.map((line) => line.sku) });
  if (!verification.ok) {
    await undoPlacement();
    return finish('failed', 'verification_failed', { problems: verification.problems });
  }

  await record('milestone', 'order_verified', 'reserving');
  const reservation = await activities.reserveStock({ orderId: input.orderId, lines: input.lines });
  if (!reservation.ok) {
    await undoPlacement();
    return finish('cancelled', 'insufficient_stock', { shortages: reservation.shortages });
  }
  state.allocations = reservation.allocations;

  const intent = await activities.createPaymentIntent({ orderId: input.orderId, amount: input.pricing.total, currency: input.pricing.currency, method: input.paymentMethod });
  const deadline = Date.now() + input.policy.paymentTimeoutMs;
  state.payment = { intentId: intent.intentId, status: 'pending', amountPaid: 0, deadline: new Date(deadline).toISOString() };
  await record('milestone', 'stock_reserved', 'awaiting_payment', { detail: { allocations: reservation.allocations.length, paymentIntentId: intent.intentId } });
  waitFor(`payment of ${input.pricing.total} ${input.pricing.currency} by ${state.payment.deadline}`);

  while (state.payment.status !== 'captured') {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await condition(() => paymentInbox.length > 0, remaining))) break;
    await handlePayment(paymentInbox.shift()!);
  }

  if (state.payment.status !== 'captured') {
    // Nothing was paid: give stock and points back before telling anyone the order is gone.
    await undoPlacement();
    return finish('cancelled', 'payment_timeout', { deadline: state.payment.deadline });
  }

  await record('milestone', 'order_confirmed', 'confirmed', { reason: 'automatic confirmation: paid in full' });
  waitFor(null);
  await condition(allHandlersFinished);
  return { ...state, allowedActions: allowedActions(state.status) };

  async function handlePayment(event: PaymentEvent): Promise<void> {
    const detail = { eventId: event.eventId, transactionId: event.transactionId, amount: event.amount, currency: event.currency };
    if (event.paymentIntentId !== state.payment.intentId) {
      await record('flag', 'payment_for_unknown_intent', state.status, { detail: { ...detail, paymentIntentId: event.paymentIntentId } });
      return;
    }
    await activities.recordPaymentEvent({ orderId: input.orderId, ...event });
    if (event.type === 'payment.failed') {
      state.payment.status = 'failed';
      await record('note', 'payment_failed', state.status, { reason: event.failureReason ?? 'declined', detail });
      return;
    }
    if (event.type !== 'payment.succeeded') {
      await record('flag', `unexpected_${event.type.replace('.', '_')}`, state.status, { detail });
      return;
    }
    if (event.amount !== input.pricing.total || event.currency !== input.pricing.currency) {
      await record('flag', 'payment_amount_mismatch', state.status, { detail: { ...detail, expected: input.pricing.total } });
      return;
    }
    state.payment.status = 'captured';
    state.payment.amountPaid = event.amount;
    await record('milestone', 'payment_captured', state.status, { detail });
  }
}
