import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { Shortage } from '../activities/types.js';
import type { RequestedLine, RevisedLines } from '../activities/order-edits.js';
import { checkAddress, type ContactProblem } from '../domain/contact-check.js';
import { canEditAddress, canEditLines, splitByShortage, substituteLines } from '../domain/order-changes.js';
import { allowedActions, isCancellable, type OrderStatus } from '../domain/order-status.js';
import { AddressSchema, OrderLinesSchema } from '../domain/order-schema.js';
import {
  cancelOrderUpdate,
  confirmOrderUpdate,
  correctInfoUpdate,
  editOrderUpdate,
  feedbackSubmittedSignal,
  getOrderStateQuery,
  paymentEventSignal,
  requestReturnUpdate,
  resolveShortageUpdate,
  shipmentEventSignal,
  SHORTAGE_DECISIONS,
  stockReplenishedSignal,
  type CancelResult,
  type EditRequest,
  type EditResult,
  type EditSettlement,
  type ExtraPayment,
  type Feedback,
  type OrderState,
  type OrderWorkflowInput,
  type PaymentEvent,
  type ReturnRequest,
  type ShipmentEvent,
  type ShortageResolution,
  type Substitution,
} from './messages.js';
import { FlaggedKey, HoldReasonKey, OrderStatusKey, OrderTotalKey, orderStartAttributes, orderWorkflowId } from './search-attributes.js';

const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['NoCarrier', 'OrderNotFound'] },
});

const DAY_MS = 86_400_000;
/** How long past its late flag a parcel may stay silent before the order is failed as lost. */
const PARCEL_LOST_AFTER_MS = 30 * DAY_MS;
/** Thrown at a checkpoint to leave the lifecycle once a cancellation was accepted. */
class CancelledOnRequest extends Error {}

const SHIPMENT_RANK: Record<ShipmentEvent['type'], number> = { picked_up: 1, in_transit: 2, out_for_delivery: 3, delivered: 4, exception: 0 };

/** One order from placement to its outcome: verify, reserve, pay, confirm, ship, invoice, deliver, survey, complete. */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId, policy } = input;
  const state: OrderState = {
    orderId,
    status: 'received',
    type: input.type,
    milestones: [],
    lines: input.lines,
    pricing: input.pricing,
    revision: 0,
    allocations: [],
    payment: { intentId: null, status: 'not_requested', amountPaid: 0, amountRefunded: 0, deadline: null, extras: [] },
    review: { ...input.review, confirmedBy: null, note: null, deadline: null },
    shipment: null,
    invoice: null,
    feedback: null,
    hold: null,
    shortage: null,
    backorder: null,
    backorderOf: input.backorderOf ?? null,
    cancellation: null,
    returns: { closesAt: null, request: null, result: null },
    flags: [],
    waitingFor: null,
    outcome: null,
    allowedActions: [],
  };
  const paymentInbox: PaymentEvent[] = [];
  const shipmentInbox: ShipmentEvent[] = [];
  const seenEventIds = new Set<string>();
  let feedbackInbox: Feedback | null = null;
  let step = 0;
  /** Whether the order holds its stock: edits from then on swap the reservation instead of leaving it to the reserve stage. */
  let stockHeld = false;

  setHandler(getOrderStateQuery, () => ({ ...state, allowedActions: allowedActions(state.status) }));
  setHandler(paymentEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    paymentInbox.push(event);
  });
  setHandler(shipmentEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    shipmentInbox.push(event);
  });
  setHandler(feedbackSubmittedSignal, (feedback) => {
    feedbackInbox ??= feedback;
  });
  // Update, not signal: support waits for a yes, or a refusal with the reason.
  setHandler(
    confirmOrderUpdate,
    (request) => {
      state.review.confirmedBy = request.actor;
      state.review.note = request.note ?? null;
      return { status: state.status, confirmedBy: request.actor };
    },
    {
      validator: (request) => {
        if (state.status !== 'awaiting_confirmation') {
          throw ApplicationFailure.nonRetryable(`order is ${state.status}: only orders awaiting confirmation can be confirmed`, 'NotAllowed');
        }
        if (!request.actor) throw ApplicationFailure.nonRetryable('actor is required', 'InvalidRequest');
      },
    },
  );

  // Update, not signal: support needs the refusal reason, or the list of what was undone.
  setHandler(
    cancelOrderUpdate,
    async (request) => {
      state.cancellation ??= { request, result: null };
      await condition(() => state.cancellation!.result !== null);
      return state.cancellation!.result!;
    },
    {
      validator: (request) => {
        if (!request.actor || !request.reason) throw ApplicationFailure.nonRetryable('actor and reason are required', 'InvalidRequest');
        if (state.cancellation) return; // asked before: the same answer again
        if (state.outcome) throw ApplicationFailure.nonRetryable(`order is already ending (${state.outcome.reason})`, 'NotAllowed');
        if (state.status === 'shipped' || state.status === 'delivered' || parcelMoving()) {
          throw ApplicationFailure.nonRetryable(`order is ${state.status}: it has left the warehouse, request a return instead`, 'NotAllowed');
        }
        if (!isCancellable(state.status)) throw ApplicationFailure.nonRetryable(`order is ${state.status} and can no longer be cancelled`, 'NotAllowed');
      },
    },
  );

  setHandler(
    correctInfoUpdate,
    async ({ correction }) => {
      await activities.applyInfoCorrection({ orderId, correction });
      const check = await activities.verifyContactInfo({ orderId });
      if (state.hold) state.hold = check.ok ? null : { ...state.hold, problems: check.problems };
      return { status: check.ok ? 'released' : 'still_on_hold', problems: check.problems };
    },
    {
      validator: ({ actor, correction }) => {
        if (!actor) throw ApplicationFailure.nonRetryable('actor is required', 'InvalidRequest');
        if (state.status !== 'on_hold' || !state.hold) throw ApplicationFailure.nonRetryable(`order is ${state.status}: only orders on hold take corrections`, 'NotAllowed');
        if (!correction.shippingAddress && !correction.customerPhone && !correction.customerName) throw ApplicationFailure.nonRetryable('nothing to correct', 'InvalidRequest');
        if (correction.shippingAddress && !AddressSchema.safeParse(correction.shippingAddress).success) throw ApplicationFailure.nonRetryable('shippingAddress is not a valid address', 'InvalidRequest');
      },
    },
  );

  let shortageAnswer: { resolution: ShortageResolution } | { refusal: string } | null = null;
  setHandler(
    resolveShortageUpdate,
    async ({ actor, decision, substitutes }) => {
      state.shortage!.decision = decision;
      state.shortage!.decidedBy = actor;
      state.shortage!.substitutes = substitutes ?? [];
      // Waiting and cancelling need no work to answer; a split or a substitution is priced and reserved first.
      if (decision === 'wait_restock' || decision === 'cancel') return { decision };
      shortageAnswer = null;
      await condition(() => shortageAnswer !== null);
      const answer = shortageAnswer!;
      if ('refusal' in answer) throw ApplicationFailure.nonRetryable(answer.refusal, 'NotAllowed');
      return answer.resolution;
    },
    {
      validator: ({ actor, decision, substitutes }) => {
        if (!actor) throw ApplicationFailure.nonRetryable('actor is required', 'InvalidRequest');
        if (!SHORTAGE_DECISIONS.includes(decision)) throw ApplicationFailure.nonRetryable(`decision ${String(decision)} is not one of ${SHORTAGE_DECISIONS.join(', ')}`, 'InvalidRequest');
        if (state.status !== 'awaiting_shortage_decision' || !state.shortage || state.shortage.decision || state.outcome) {
          throw ApplicationFailure.nonRetryable(`order is ${state.status}${state.shortage?.decision ? ` (already decided: ${state.shortage.decision})` : ''}: no shortage decision is pending`, 'NotAllowed');
        }
        const shortSkus = new Set(state.shortage.shortages.map((s) => s.sku));
        if (decision === 'substitute') {
          if (!substitutes?.length) throw ApplicationFailure.nonRetryable('substitutes are required: name a substitute for each short product', 'InvalidRequest');
          const unknown = substitutes.find((s: Substitution) => !shortSkus.has(s.sku));
          if (unknown) throw ApplicationFailure.nonRetryable(`${unknown.sku} is not short on this order: only ${[...shortSkus].join(', ')} can be substituted`, 'InvalidRequest');
          const same = substitutes.find((s: Substitution) => s.substituteSku === s.sku);
          if (same) throw ApplicationFailure.nonRetryable(`${same.sku} cannot substitute for itself`, 'InvalidRequest');
        } else if (substitutes?.length) {
          throw ApplicationFailure.nonRetryable('substitutes go with the substitute decision only', 'InvalidRequest');
        }
        if (decision === 'partial_ship' && splitByShortage(state.lines, state.shortage.shortages).now.length === 0) {
          throw ApplicationFailure.nonRetryable('nothing on this order is in stock to ship now: wait for restock, substitute or cancel', 'NotAllowed');
        }
      },
    },
  );

  // Edits wait in line for a safe point of the lifecycle, so they never race a payment or a confirmation.
  const pendingEdits: Array<{ request: EditRequest; result: EditResult | null; refusal: string | null }> = [];
  setHandler(
    editOrderUpdate,
    async (request) => {
      const edit = { request, result: null as EditResult | null, refusal: null as string | null };
      pendingEdits.push(edit);
      await condition(() => edit.result !== null || edit.refusal !== null);
      if (edit.refusal !== null) throw ApplicationFailure.nonRetryable(edit.refusal, 'NotAllowed');
      return edit.result!;
    },
    {
      validator: (request) => {
        if (!request.actor) throw ApplicationFailure.nonRetryable('actor is required', 'InvalidRequest');
        if (!request.shippingAddress && !request.lines) throw ApplicationFailure.nonRetryable('nothing to change: give shippingAddress or lines', 'InvalidRequest');
        if (request.shippingAddress) {
          const address = AddressSchema.safeParse(request.shippingAddress);
          if (!address.success) throw ApplicationFailure.nonRetryable('shippingAddress is not a valid address', 'InvalidRequest');
          const problems = checkAddress(address.data);
          if (problems.length > 0) throw ApplicationFailure.nonRetryable(`shippingAddress cannot be delivered to: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, 'InvalidRequest');
        }
        if (request.lines && !OrderLinesSchema.safeParse(request.lines).success) throw ApplicationFailure.nonRetryable('lines must be 1 to 100 lines of an upper-case SKU and a quantity of 1 to 999', 'InvalidRequest');
        const refusal = editRefusal(request);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'NotAllowed');
      },
    },
  );

  let restocked = false;
  setHandler(stockReplenishedSignal, () => {
    restocked = true;
  });

  setHandler(
    requestReturnUpdate,
    async (request) => {
      state.returns.request ??= request;
      await condition(() => state.returns.result !== null);
      return state.returns.result!;
    },
    {
      validator: (request) => {
        if (!request.actor || !request.reason) throw ApplicationFailure.nonRetryable('actor and reason are required', 'InvalidRequest');
        if (state.returns.request) return; // asked before: the same answer again
        if (state.status !== 'delivered' || state.outcome) throw ApplicationFailure.nonRetryable(`order is ${state.status}: only delivered orders can be returned`, 'NotAllowed');
        if (state.returns.closesAt && Date.now() >= Date.parse(state.returns.closesAt)) {
          throw ApplicationFailure.nonRetryable(`the return window closed at ${state.returns.closesAt}`, 'NotAllowed');
        }
      },
    },
  );

  /** Records a timeline entry; a milestone or status change also moves the order and its search attributes. */
  async function record(kind: 'milestone' | 'note' | 'flag', name: string, status: OrderStatus, extra: { reason?: string; detail?: Record<string, unknown>; actor?: string; hold?: string | null } = {}) {
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
    await activities.recordOrderProgress({ orderId, seq: step, kind, name, status, actor: extra.actor ?? 'orchestrator', at, reason: extra.reason, detail: extra.detail, flags: [...state.flags], hold: extra.hold });
  }

  function waitFor(what: string | null) {
    state.waitingFor = what;
    setCurrentDetails(what ? `**${state.status}**: waiting for ${what}` : `**${state.status}**`);
  }

  /** Whether the parcel has left, counting news of it that is queued but not yet processed. */
  function parcelMoving(): boolean {
    return shipmentInbox.some((event) => event.type !== 'exception') || (state.shipment !== null && state.shipment.status !== 'booked' && state.shipment.status !== 'cancelled');
  }

  /** Why an edit cannot be applied to the order as it is now, or null when it can. */
  function editRefusal(request: EditRequest): string | null {
    if (state.outcome || state.cancellation) return `order is ${state.status} and ending: it can no longer change`;
    if (request.lines && !canEditLines(state.status)) return `order is ${state.status}: lines can change only until the order is confirmed`;
    const unpaid = state.payment.extras.find((extra) => extra.status === 'pending');
    if (request.lines && unpaid) return `an extra payment of ${unpaid.amount} ${state.pricing.currency} (${unpaid.intentId}) is still open: lines can change again once it is paid`;
    if (request.shippingAddress && (!canEditAddress(state.status) || parcelMoving())) return `order is ${state.status}: the parcel has left the warehouse, its address can no longer change`;
    return null;
  }

  function notify(template: Parameters<OrderActivities['notifyCustomer']>[0]['template'], payload: Record<string, unknown> = {}) {
    return activities.notifyCustomer({ orderId, template, dedupeKey: `${orderId}:${template}:${step}`, payload });
  }

  /**
   * Undoes what the order did, in reverse: carrier booking, stock, payment, invoice, points.
   * Each step is idempotent and runs even if the workflow is being cancelled.
   */
  async function compensate(reason: string): Promise<Omit<CancelResult, 'status' | 'reason'>> {
    const undone: string[] = [];
    let creditNote: string | null = null;
    let refunded = 0;
    const pickedUp = state.shipment !== null && state.shipment.status !== 'booked';
    await CancellationScope.nonCancellable(async () => {
      if (state.shipment && !pickedUp && (await activities.cancelShipment({ orderId })).cancelled) {
        state.shipment.status = 'cancelled';
        undone.push('shipment_cancelled');
      }
      // Goods the carrier already has are not back on the shelf.
      if (state.allocations.length > 0 && !pickedUp && (await activities.releaseStock({ orderId })).releasedUnits > 0) undone.push('stock_released');
      if (state.payment.amountPaid > state.payment.amountRefunded) {
        refunded = state.payment.amountPaid - state.payment.amountRefunded;
        await giveBack(refunded, reason, `${orderId}:refund:full`);
        state.payment.status = 'refunded';
        undone.push('payment_refunded');
      }
      if (state.invoice) {
        creditNote = (await activities.issueCreditNote({ orderId }))?.number ?? null;
        if (creditNote) undone.push('invoice_credited');
      }
      if (state.pricing.pointsRedeemed > 0 && (await activities.returnRedeemedPoints({ orderId })).returnedPoints > 0) undone.push('points_returned');
    });
    return { undone, refunded, creditNote };
  }

  async function finish(status: 'cancelled' | 'failed' | 'completed' | 'returned', name: string, reason: string, detail?: Record<string, unknown>, actor?: string): Promise<OrderState> {
    state.outcome = { reason, ...(detail ? { detail } : {}) };
    waitFor(null);
    let result: CancelResult = { status, reason, undone: [], refunded: 0, creditNote: null };
    // Payments that arrived but were not handled yet are money we hold too: account for them (and refund what we must not keep).
    await drainPayments();
    if (status !== 'completed') {
      result = { status, reason, ...(await compensate(reason)) };
      await notify(status === 'returned' ? 'return_accepted' : 'order_cancelled', { reason, refunded: result.refunded, creditNote: result.creditNote });
    }
    await record('milestone', name, status, { reason, detail: { ...detail, ...(status !== 'completed' ? { undone: result.undone, refunded: result.refunded, creditNote: result.creditNote } : {}) }, ...(actor ? { actor } : {}) });
    // Changes still waiting for a safe point will not get one now.
    for (const edit of pendingEdits.splice(0)) edit.refusal = `order is ${status}: it can no longer change`;
    if (state.shortage?.decision === 'partial_ship' || state.shortage?.decision === 'substitute') shortageAnswer ??= { refusal: `order is ${status}` };
    // A cancellation asked for while the order was already ending gets the real outcome as its answer.
    if (state.cancellation && !state.cancellation.result) state.cancellation.result = result;
    if (state.returns.request && !state.returns.result) state.returns.result = result;
    // A payment signalled while we were finishing must not be dropped with the workflow.
    do {
      await condition(allHandlersFinished);
      await drainPayments();
    } while (paymentInbox.length > 0);
    return { ...state, allowedActions: [] };
  }

  try {
    return await lifecycle();
  } catch (error) {
    if (!(error instanceof CancelledOnRequest)) throw error;
    const { request } = state.cancellation!;
    return finish('cancelled', 'order_cancelled', request.reason, { requestedBy: request.actor }, request.actor);
  }

  /** Stops the lifecycle at a safe point once a cancellation was accepted. */
  function checkpoint() {
    if (state.cancellation) throw new CancelledOnRequest();
  }

  async function lifecycle(): Promise<OrderState> {
    // ── Verify and reserve ───────────────────────────────────────────────────────────────────
    await record('milestone', 'order_received', 'received', { detail: { total: state.pricing.total, currency: state.pricing.currency } });
    const verification = await activities.verifyOrder({ orderId, skus: state.lines.map((line) => line.sku) });
    if (!verification.ok) return finish('failed', 'order_failed', 'verification_failed', { problems: verification.problems });
    checkpoint();
    const contact = await activities.verifyContactInfo({ orderId });
    if (!contact.ok) {
      const ended = await holdForCorrection(contact.problems);
      if (ended) return ended;
    }

    await record('milestone', 'order_verified', 'reserving');
    const reservation = await activities.reserveStock({ orderId, lines: state.lines, urgent: input.type === 'urgent' });
    if (reservation.ok) {
      state.allocations = reservation.allocations;
      stockHeld = true;
    } else {
      const ended = await settleShortage(reservation.shortages);
      if (ended) return ended;
    }
    checkpoint();

    // ── Payment ──────────────────────────────────────────────────────────────────────────────
    const intent = await activities.createPaymentIntent({ orderId, amount: state.pricing.total, currency: state.pricing.currency, method: input.paymentMethod });
    const paymentDeadline = Date.now() + policy.paymentTimeoutMs;
    state.payment = { ...state.payment, intentId: intent.intentId, status: 'pending', deadline: new Date(paymentDeadline).toISOString() };
    await record('milestone', 'stock_reserved', 'awaiting_payment', { detail: { allocations: state.allocations.length, paymentIntentId: intent.intentId } });
    waitFor(`payment of ${state.pricing.total} ${state.pricing.currency} by ${state.payment.deadline}`);
    while (state.payment.status !== 'captured') {
      const remaining = paymentDeadline - Date.now();
      if (remaining <= 0 || !(await condition(() => paymentInbox.length > 0 || state.cancellation !== null || pendingEdits.length > 0, remaining))) break;
      checkpoint();
      if (pendingEdits.length > 0) await applyEdits();
      else await handlePayment(paymentInbox.shift()!);
    }
    checkpoint();
    if (state.payment.status !== 'captured') return finish('cancelled', 'order_cancelled', 'payment_timeout', { deadline: state.payment.deadline });

    // ── Confirmation: automatic on the lean path, a person when the review asks for one ────────
    if (state.review.required) {
      const confirmationDeadline = Date.now() + policy.confirmationTimeoutMs;
      state.review.deadline = new Date(confirmationDeadline).toISOString();
      await record('milestone', 'confirmation_requested', 'awaiting_confirmation', { reason: state.review.reasons.join(', ') });
      waitFor(`manual confirmation (${state.review.reasons.join(', ')}) by ${state.review.deadline}`);
      while (state.review.confirmedBy === null) {
        const remaining = confirmationDeadline - Date.now();
        if (remaining <= 0 || !(await condition(() => state.review.confirmedBy !== null || state.cancellation !== null || paymentInbox.length > 0 || pendingEdits.length > 0, remaining))) {
          return finish('cancelled', 'order_cancelled', 'confirmation_timeout', { deadline: state.review.deadline });
        }
        checkpoint();
        if (pendingEdits.length > 0) await applyEdits();
        else if (state.review.confirmedBy === null) await handlePayment(paymentInbox.shift()!);
      }
      const unpaid = await awaitExtraPayments();
      if (unpaid) return unpaid;
      await record('milestone', 'order_confirmed', 'confirmed', { actor: state.review.confirmedBy!, reason: state.review.note ?? 'confirmed by a person after review' });
    } else {
      await record('milestone', 'order_confirmed', 'confirmed', { reason: 'automatic confirmation: low risk, paid in full' });
    }
    waitFor(null);
    await notify('order_confirmed', { total: state.pricing.total, currency: state.pricing.currency });
    checkpoint();

    // ── Fulfilment: book the carrier, commit stock, invoice ─────────────────────────────────
    let booking: Awaited<ReturnType<OrderActivities['bookShipment']>>;
    try {
      booking = await activities.bookShipment({ orderId, urgent: input.type === 'urgent', requestedDeliveryBy: input.requestedDeliveryBy, now: new Date().toISOString() });
    } catch (error) {
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'NoCarrier') {
        return finish('failed', 'order_failed', 'no_carrier', { message: error.cause.message });
      }
      throw error;
    }
    state.shipment = { carrierId: booking.carrierId, service: booking.service, trackingNumber: booking.trackingNumber, eta: booking.eta, status: 'booked' };
    checkpoint();
    await activities.commitStock({ orderId });
    checkpoint();
    const invoice = await activities.issueInvoice({ orderId });
    state.invoice = { number: invoice.number, total: invoice.total };
    checkpoint();
    await activities.deliverInvoice({ orderId, number: invoice.number });
    await record('note', 'invoice_issued', state.status, { detail: { number: invoice.number, contentHash: invoice.contentHash } });
    await record('milestone', 'shipment_booked', 'ready_to_ship', { detail: { ...booking } });
    if (!booking.meetsDeadline) await record('flag', 'delivery_deadline_at_risk', state.status, { detail: { requestedDeliveryBy: input.requestedDeliveryBy, eta: booking.eta } });

    // ── Transit: tracking events until delivery; late parcels are flagged, silent ones failed ──
    const lateAt = Date.parse(booking.eta) + policy.deliveryGraceMs;
    const lostAt = lateAt + PARCEL_LOST_AFTER_MS;
    let rank = 0;
    while (rank < SHIPMENT_RANK.delivered) {
      const late = state.flags.includes('parcel_late');
      waitFor(`${rank === 0 ? 'pickup' : 'delivery'} by ${state.shipment.carrierId} (${state.shipment.trackingNumber}), ETA ${booking.eta}`);
      const timeout = (late ? lostAt : lateAt) - Date.now();
      const woke = timeout > 0 && (await condition(() => shipmentInbox.length > 0 || paymentInbox.length > 0 || state.cancellation !== null || pendingEdits.length > 0, timeout));
      checkpoint();
      if (!woke) {
        if (late) return finish('failed', 'order_failed', 'parcel_lost', { trackingNumber: booking.trackingNumber, eta: booking.eta });
        await record('flag', 'parcel_late', state.status, { detail: { eta: booking.eta } });
        await notify('parcel_late', { trackingNumber: booking.trackingNumber, eta: booking.eta });
        continue;
      }
      if (pendingEdits.length > 0) {
        await applyEdits();
        continue;
      }
      if (paymentInbox.length > 0) {
        await handlePayment(paymentInbox.shift()!);
        continue;
      }
      const event = shipmentInbox.shift()!;
      if (event.trackingNumber !== booking.trackingNumber) {
        await record('flag', 'tracking_for_unknown_parcel', state.status, { detail: { ...event } });
        continue;
      }
      await activities.recordShipmentEvent({ orderId, trackingNumber: event.trackingNumber, type: event.type, occurredAt: event.occurredAt });
      const detail = { eventId: event.eventId, at: event.occurredAt, location: event.location, detail: event.detail };
      if (event.type === 'exception') {
        await record('flag', 'shipment_exception', state.status, { reason: event.detail ?? 'carrier reported an exception', detail });
        continue;
      }
      if (SHIPMENT_RANK[event.type] <= rank) continue; // late or repeated news: the parcel is already further along
      const wasPickedUp = rank >= SHIPMENT_RANK.picked_up;
      rank = SHIPMENT_RANK[event.type];
      state.shipment.status = event.type;
      if (!wasPickedUp) {
        await record('milestone', 'parcel_picked_up', 'shipped', { detail });
        await notify('shipped', { carrierId: booking.carrierId, trackingNumber: booking.trackingNumber, eta: booking.eta });
      }
      if (event.type === 'delivered') await record('milestone', 'parcel_delivered', 'delivered', { detail });
      else if (event.type !== 'picked_up') await record('note', `parcel_${event.type}`, state.status, { detail });
    }

    // ── After delivery: survey, return and survey windows, then completion ─────────────────────
    const deliveredAt = Date.now();
    const surveyClosesAt = deliveredAt + policy.surveyWindowMs;
    const completesAt = deliveredAt + Math.max(policy.surveyWindowMs, policy.returnWindowMs);
    state.returns.closesAt = new Date(deliveredAt + policy.returnWindowMs).toISOString();
    await notify('delivered', { trackingNumber: booking.trackingNumber });
    await activities.sendSurvey({ orderId, closesAt: new Date(surveyClosesAt).toISOString() });
    await record('note', 'survey_sent', state.status, { detail: { closesAt: new Date(surveyClosesAt).toISOString() } });
    waitFor(`the return window and the survey (until ${new Date(completesAt).toISOString()})`);
    while (Date.now() < completesAt) {
      const surveyOpen = state.feedback === null && Date.now() < surveyClosesAt;
      const until = (surveyOpen ? surveyClosesAt : completesAt) - Date.now();
      const woke = await condition(() => (surveyOpen && feedbackInbox !== null) || paymentInbox.length > 0 || state.returns.request !== null, until);
      if (!woke) continue;
      if (state.returns.request) return acceptReturn(state.returns.request);
      if (paymentInbox.length > 0) {
        await handlePayment(paymentInbox.shift()!);
        continue;
      }
      const feedback = feedbackInbox!;
      state.feedback = feedback;
      await activities.recordFeedback({ orderId, ...feedback });
      await record('note', 'feedback_received', state.status, { actor: 'customer', detail: { ...feedback.ratings, comment: feedback.comment ?? null } });
    }
    await activities.creditEarnedPoints({ orderId });
    return finish('completed', 'order_completed', state.feedback ? 'completed with feedback' : 'completed');
  }

  /**
   * Stock cannot cover the order: the customer is told and support decides: ship what is in stock and
   * back-order the rest, substitute, wait for restock, or cancel. No decision by the deadline cancels
   * (the policy default). Returns the order's end, or null once its stock is reserved.
   */
  async function settleShortage(shortages: Shortage[]): Promise<OrderState | null> {
    state.shortage = { shortages, deadline: new Date(Date.now() + policy.shortageDecisionTimeoutMs).toISOString(), decision: null, decidedBy: null, substitutes: [] };
    if (input.backorderOf) {
      // A back-order exists because stock was short: it waits for restock without asking again.
      state.shortage.decision = 'wait_restock';
      state.shortage.decidedBy = 'orchestrator';
      await record('milestone', 'stock_short', 'awaiting_shortage_decision', { detail: { shortages, backorderOf: input.backorderOf } });
      return waitForRestock('orchestrator', `back-order of ${input.backorderOf}`);
    }
    await record('milestone', 'stock_short', 'awaiting_shortage_decision', { detail: { shortages } });
    await notify('stock_shortage', { shortages });
    const deadline = Date.now() + policy.shortageDecisionTimeoutMs;
    for (;;) {
      waitFor(`a shortage decision (ship part, substitute, wait for restock or cancel) by ${state.shortage.deadline}`);
      const remaining = deadline - Date.now();
      const decided = remaining > 0 && (await condition(() => state.shortage!.decision !== null || state.cancellation !== null || pendingEdits.length > 0, remaining));
      checkpoint();
      if (decided && pendingEdits.length > 0) {
        await applyEdits();
        if (stockHeld) return null;
        continue;
      }
      const { decision, decidedBy } = state.shortage;
      // The policy default when nobody decides: do not keep the customer waiting on an open question.
      if (!decided || decision === 'cancel') return finish('cancelled', 'order_cancelled', decided ? 'shortage_cancel' : 'shortage_undecided', { shortages }, decidedBy ?? undefined);
      if (decision === 'wait_restock') return waitForRestock(decidedBy!, 'customer waits for restock');
      const outcome = decision === 'partial_ship' ? await shipWhatIsInStock(decidedBy!) : await substituteShortProducts(decidedBy!);
      shortageAnswer = typeof outcome === 'string' ? { refusal: outcome } : { resolution: outcome };
      if (typeof outcome !== 'string') return null;
      // Refused (stock moved, a product cannot be sold): the question is still open.
      state.shortage.decision = null;
      state.shortage.decidedBy = null;
    }
  }

  /** The whole order waits for stock: every arrival retries the reservation; none by the deadline cancels. */
  async function waitForRestock(actor: string, reason: string): Promise<OrderState | null> {
    await record('note', 'backordered', state.status, { actor, reason });
    const restockDeadline = Date.now() + policy.shortageDecisionTimeoutMs;
    waitFor(`restock of ${state.shortage!.shortages.map((s) => s.sku).join(', ')} by ${new Date(restockDeadline).toISOString()}`);
    for (;;) {
      const remaining = restockDeadline - Date.now();
      if (remaining <= 0 || !(await condition(() => restocked || state.cancellation !== null || pendingEdits.length > 0, remaining))) {
        return finish('cancelled', 'order_cancelled', 'restock_timeout', { shortages: state.shortage!.shortages });
      }
      checkpoint();
      if (pendingEdits.length > 0) {
        await applyEdits();
        if (stockHeld) return null;
        continue;
      }
      restocked = false;
      const retry = await activities.reserveStock({ orderId, lines: state.lines, urgent: input.type === 'urgent' });
      if (retry.ok) {
        state.shortage!.shortages = [];
        state.allocations = retry.allocations;
        stockHeld = true;
        return null;
      }
      state.shortage!.shortages = retry.shortages;
    }
  }

  /** Partial shipment: this order keeps what is in stock; the rest becomes a back-order of its own that waits for restock. */
  async function shipWhatIsInStock(actor: string): Promise<ShortageResolution | string> {
    const { now, rest } = splitByShortage(state.lines, state.shortage!.shortages);
    const revised = await priceAndReserve(now);
    if (typeof revised === 'string') return revised;
    const backorder = await activities.createBackorder({ parentOrderId: orderId, lines: rest });
    await startChild(orderWorkflow, {
      workflowId: orderWorkflowId(backorder.orderId),
      // The back-order lives on when this order completes.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          orderId: backorder.orderId,
          placedAt: new Date().toISOString(),
          type: input.type,
          channel: input.channel,
          customerId: input.customerId,
          paymentMethod: input.paymentMethod,
          lines: backorder.lines,
          pricing: backorder.pricing,
          review: backorder.review,
          requestedDeliveryBy: input.requestedDeliveryBy,
          policy,
          backorderOf: orderId,
        },
      ],
      memo: { channel: input.channel, externalId: null, backorderOf: orderId },
      ...orderStartAttributes({ orderId: backorder.orderId, type: input.type, channel: input.channel, customerId: input.customerId, total: backorder.pricing.total, currency: backorder.pricing.currency }),
    });
    state.backorder = { orderId: backorder.orderId };
    const previousTotal = state.pricing.total;
    await commitRevision(revised);
    await record('note', 'order_split', state.status, { actor, reason: 'ship what is in stock, back-order the rest', detail: { backorderId: backorder.orderId, shipsNow: now, backordered: rest, previousTotal, total: state.pricing.total } });
    await notify('order_split', { backorderId: backorder.orderId, backordered: rest, total: state.pricing.total });
    return { decision: 'partial_ship', total: state.pricing.total, backorderId: backorder.orderId };
  }

  /** Replaces short products with the substitutes support named, re-priced and reserved. */
  async function substituteShortProducts(actor: string): Promise<ShortageResolution | string> {
    const { substitutes } = state.shortage!;
    const revised = await priceAndReserve(substituteLines(state.lines, substitutes));
    if (typeof revised === 'string') return revised;
    const previousTotal = state.pricing.total;
    await commitRevision(revised);
    await record('note', 'products_substituted', state.status, { actor, reason: 'substitutes for products out of stock', detail: { substitutes, previousTotal, total: state.pricing.total } });
    await notify('order_edited', { substitutes, previousTotal, total: state.pricing.total });
    return { decision: 'substitute', total: state.pricing.total, backorderId: null };
  }

  /** Answers queued edits at a safe point of the lifecycle, one at a time, in the order they came. */
  async function applyEdits(): Promise<void> {
    while (pendingEdits.length > 0) {
      const edit = pendingEdits.shift()!;
      // The order may have moved on since the edit was accepted for processing.
      const refusal = editRefusal(edit.request);
      const outcome = refusal ?? (await reviseOrder(edit.request));
      if (typeof outcome === 'string') edit.refusal = outcome;
      else edit.result = outcome;
    }
  }

  /** Applies one edit: new lines are priced and reserved first, then written; a new address goes to the carrier too. */
  async function reviseOrder({ actor, reason, shippingAddress, lines }: EditRequest): Promise<EditResult | string> {
    const revised = lines ? await priceAndReserve(lines) : undefined;
    if (typeof revised === 'string') return revised;
    const previousTotal = state.pricing.total;
    const changed: EditResult['changed'] = [...(shippingAddress ? (['shipping_address'] as const) : []), ...(revised ? (['lines'] as const) : [])];
    await commitRevision(revised, shippingAddress);
    const parcel = shippingAddress && state.shipment?.status === 'booked' ? await activities.redirectShipment({ orderId }) : undefined;
    if (shippingAddress && state.hold) {
      const check = await activities.verifyContactInfo({ orderId });
      state.hold = check.ok ? null : { ...state.hold, problems: check.problems };
    }
    const settlement: EditSettlement = revised ? await settleDifference() : { kind: 'none' };
    const result: EditResult = { status: state.status, revision: state.revision, changed, previousTotal, total: state.pricing.total, settlement };
    await record('note', 'order_edited', state.status, { actor, reason: reason ?? `changed ${changed.join(' and ')}`, detail: { ...result, ...(parcel ? { parcelRedirected: parcel.redirected } : {}) } });
    await notify(settlement.kind === 'extra_payment_requested' ? 'extra_payment_requested' : 'order_edited', { changed, previousTotal, total: state.pricing.total, settlement });
    return result;
  }

  /** Prices new lines and, when the order holds stock (or is short of it), swaps its reservation for them; a string says why not. */
  async function priceAndReserve(lines: RequestedLine[]): Promise<RevisedLines | string> {
    const priced = await activities.priceOrderLines({ orderId, lines });
    if (!priced.ok) return `the new lines cannot be sold: ${priced.problems.map((p) => `${p.path.join('.')} ${p.message}`).join('; ')}`;
    if (!stockHeld && state.status !== 'awaiting_shortage_decision') return priced.revised;
    const reservation = await activities.reviseReservation({ orderId, lines: priced.revised.lines, urgent: input.type === 'urgent' });
    if (!reservation.ok) return `stock cannot cover the new lines: ${reservation.shortages.map((s) => `${s.sku} ${s.available} of ${s.requested} available`).join('; ')}`;
    state.allocations = reservation.allocations;
    stockHeld = true;
    return priced.revised;
  }

  /** Writes a revision of the order (lines, price, review, address) and makes it the order's own. */
  async function commitRevision(revised: RevisedLines | undefined, shippingAddress?: EditRequest['shippingAddress']) {
    const revision = state.revision + 1;
    await activities.applyOrderEdit({ orderId, revision, lines: revised, shippingAddress });
    state.revision = revision;
    if (!revised) return;
    state.lines = revised.lines;
    state.pricing = revised.pricing;
    state.review.required = revised.review.required;
    state.review.reasons = revised.review.reasons;
    upsertSearchAttributes([{ key: OrderTotalKey, value: revised.pricing.total }]);
  }

  /** Settles a new total: an unpaid intent asks for it, money we hold beyond it goes back, a shortfall gets its own payment request. */
  async function settleDifference(): Promise<EditSettlement> {
    const { total, currency } = state.pricing;
    if (state.payment.status !== 'captured') {
      if (state.payment.intentId) await activities.amendPaymentIntent({ intentId: state.payment.intentId, amount: total, currency });
      return { kind: 'amount_due_changed', amountDue: total };
    }
    const held = state.payment.amountPaid - state.payment.amountRefunded;
    if (held > total) {
      await giveBack(held - total, `order edited (revision ${state.revision})`, `${orderId}:refund:edit:${state.revision}`);
      return { kind: 'refunded', amount: held - total };
    }
    if (held === total) return { kind: 'none' };
    const amount = total - held;
    const { intentId } = await activities.createPaymentIntent({ orderId, amount, currency, method: input.paymentMethod, reference: `edit-${state.revision}` });
    const deadline = new Date(Date.now() + policy.paymentTimeoutMs).toISOString();
    state.payment.extras.push({ intentId, amount, deadline, status: 'pending', refunded: 0 });
    return { kind: 'extra_payment_requested', amount, intentId, deadline };
  }

  /** Waits for the extra payments edits asked for; one unpaid by its deadline cancels the order (and refunds it). */
  async function awaitExtraPayments(): Promise<OrderState | null> {
    for (;;) {
      const unpaid = state.payment.extras.find((extra) => extra.status === 'pending');
      if (!unpaid) return null;
      waitFor(`the extra payment of ${unpaid.amount} ${state.pricing.currency} (${unpaid.intentId}) by ${unpaid.deadline}`);
      const remaining = Date.parse(unpaid.deadline) - Date.now();
      const woke = remaining > 0 && (await condition(() => paymentInbox.length > 0 || state.cancellation !== null || pendingEdits.length > 0, remaining));
      checkpoint();
      if (!woke) return finish('cancelled', 'order_cancelled', 'extra_payment_timeout', { intentId: unpaid.intentId, amount: unpaid.amount, deadline: unpaid.deadline });
      if (pendingEdits.length > 0) await applyEdits();
      else await handlePayment(paymentInbox.shift()!);
    }
  }

  /** Holds the order until support corrects its contact details; no correction by the deadline cancels it. */
  async function holdForCorrection(problems: ContactProblem[]): Promise<OrderState | null> {
    const reason = 'unverifiable_contact_info';
    state.hold = { reason, problems, deadline: new Date(Date.now() + policy.infoHoldTimeoutMs).toISOString() };
    upsertSearchAttributes([{ key: HoldReasonKey, value: reason }]);
    await record('milestone', 'order_on_hold', 'on_hold', { reason: problems.map((p) => `${p.path} ${p.message}`).join('; '), detail: { problems }, hold: reason });
    await notify('info_needed', { problems });
    waitFor(`corrected contact details by ${state.hold.deadline}`);
    const deadline = Date.now() + policy.infoHoldTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      const released = remaining > 0 && (await condition(() => state.hold === null || state.cancellation !== null || pendingEdits.length > 0, remaining));
      checkpoint();
      if (!released) return finish('cancelled', 'order_cancelled', 'info_not_corrected', { problems: state.hold?.problems ?? problems });
      if (pendingEdits.length === 0) break;
      // An edit may bring a deliverable address and so release the hold.
      await applyEdits();
    }
    upsertSearchAttributes([{ key: HoldReasonKey, value: '' }]);
    await record('milestone', 'hold_released', 'received', { reason: 'contact details corrected and verified', hold: null });
    return null;
  }

  async function drainPayments() {
    while (paymentInbox.length > 0) await handlePayment(paymentInbox.shift()!);
  }

  /** Sends money back to the customer on one intent (the order's first unless named) and keeps the order's own account of it. */
  async function refund(amount: number, currency: string, reason: string, idempotencyKey: string, intentId = state.payment.intentId!) {
    await activities.refundPayment({ orderId, intentId, amount, currency, reason, idempotencyKey });
    state.payment.amountRefunded += amount;
  }

  /** Refunds captured money, newest extra payments first, then the order's first payment. */
  async function giveBack(amount: number, reason: string, idempotencyKey: string) {
    let left = amount;
    for (const extra of [...state.payment.extras].reverse()) {
      const take = extra.status === 'captured' ? Math.min(left, extra.amount - extra.refunded) : 0;
      if (take === 0) continue;
      await refund(take, state.pricing.currency, reason, `${idempotencyKey}:${extra.intentId}`, extra.intentId);
      extra.refunded += take;
      left -= take;
    }
    if (left > 0) await refund(left, state.pricing.currency, reason, idempotencyKey);
  }

  /** Refund, credit note and the goods back in stock as new lots; then the order ends as returned. */
  async function acceptReturn(request: ReturnRequest): Promise<OrderState> {
    await record('note', 'return_requested', state.status, { actor: request.actor, reason: request.reason });
    const { restockedUnits } = await activities.restockReturnedGoods({ orderId });
    return finish('returned', 'order_returned', request.reason, { requestedBy: request.actor, restockedUnits }, request.actor);
  }

  async function handlePayment(event: PaymentEvent): Promise<void> {
    const detail = { eventId: event.eventId, transactionId: event.transactionId, amount: event.amount, currency: event.currency };
    const extra = state.payment.extras.find((candidate) => candidate.intentId === event.paymentIntentId);
    if (event.paymentIntentId !== state.payment.intentId && !extra) {
      await record('flag', 'payment_for_unknown_intent', state.status, { detail: { ...detail, paymentIntentId: event.paymentIntentId } });
      return;
    }
    await activities.recordPaymentEvent({ orderId, ...event });
    if (event.type === 'payment.failed') {
      if (!extra && state.payment.status !== 'captured') state.payment.status = 'failed';
      await record('note', 'payment_failed', state.status, { reason: event.failureReason ?? 'declined', detail });
      return;
    }
    if (event.type === 'chargeback.created') {
      await record('flag', 'chargeback', state.status, { reason: 'the customer disputed the payment', detail });
      return;
    }
    if (event.type !== 'payment.succeeded') {
      await record('note', event.type.replace('.', '_'), state.status, { detail });
      return;
    }
    if (extra) return captureExtraPayment(extra, event);
    if (state.payment.status === 'captured' || event.amount < state.pricing.total || event.currency !== state.pricing.currency) {
      // Money we must not keep: a second payment, or one that does not cover the order. Send it back whole.
      const flag = state.payment.status === 'captured' ? 'duplicate_payment' : 'payment_amount_mismatch';
      state.payment.amountPaid += event.amount;
      await refund(event.amount, event.currency, `${flag}: ${event.transactionId}`, `${orderId}:refund:${event.transactionId}`);
      await record('flag', flag, state.status, { reason: `refunded ${event.amount} ${event.currency}`, detail: { ...detail, expected: state.pricing.total } });
      return;
    }
    if (event.amount > state.pricing.total) {
      await refund(event.amount - state.pricing.total, event.currency, `overpayment: ${event.transactionId}`, `${orderId}:refund:${event.transactionId}`);
      await record('flag', 'payment_amount_mismatch', state.status, { reason: `refunded the surplus of ${event.amount - state.pricing.total}`, detail: { ...detail, expected: state.pricing.total } });
    }
    state.payment.status = 'captured';
    state.payment.amountPaid += event.amount;
    await record('milestone', 'payment_captured', state.status, { detail });
  }

  /** An extra payment after an edit: the exact amount closes it; anything short or repeated goes back whole, a surplus goes back. */
  async function captureExtraPayment(extra: ExtraPayment, event: PaymentEvent): Promise<void> {
    const detail = { eventId: event.eventId, transactionId: event.transactionId, amount: event.amount, currency: event.currency, intentId: extra.intentId };
    state.payment.amountPaid += event.amount;
    if (extra.status === 'captured' || event.amount < extra.amount || event.currency !== state.pricing.currency) {
      const flag = extra.status === 'captured' ? 'duplicate_payment' : 'payment_amount_mismatch';
      await refund(event.amount, event.currency, `${flag}: ${event.transactionId}`, `${orderId}:refund:${event.transactionId}`, extra.intentId);
      await record('flag', flag, state.status, { reason: `refunded ${event.amount} ${event.currency}`, detail: { ...detail, expected: extra.amount } });
      return;
    }
    if (event.amount > extra.amount) {
      await refund(event.amount - extra.amount, event.currency, `overpayment: ${event.transactionId}`, `${orderId}:refund:${event.transactionId}`, extra.intentId);
      await record('flag', 'payment_amount_mismatch', state.status, { reason: `refunded the surplus of ${event.amount - extra.amount}`, detail: { ...detail, expected: extra.amount } });
    }
    extra.status = 'captured';
    await record('note', 'extra_payment_captured', state.status, { detail });
  }
}
