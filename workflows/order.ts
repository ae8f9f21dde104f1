import {
  allHandlersFinished,
  CancellationScope,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { activityFailedWith, FailureType, invalidRequest, notAllowed } from '../domain/failure-types.js';
import type { ContactProblem } from '../domain/contact-check.js';
import { allowedActions, isCancellable } from '../domain/order-status.js';
import { AddressSchema } from '../domain/order-schema.js';
import { createEditHandling } from './edits.js';
import {
  cancelOrderUpdate,
  confirmOrderUpdate,
  correctInfoUpdate,
  feedbackSubmittedSignal,
  getOrderStateQuery,
  paymentEventSignal,
  requestReturnUpdate,
  shipmentEventSignal,
  type CancelResult,
  type Feedback,
  type OrderState,
  type OrderWorkflowInput,
  type ReturnRequest,
  type ShipmentEvent,
} from './messages.js';
import { createMoneyHandling } from './money.js';
import {
  activities,
  CancelledOnRequest,
  permanentFailure,
  refuseHostileText,
  startOrderRun,
  type UndoableStep,
} from './order-run.js';
import { HoldReasonKey } from './search-attributes.js';
import { createShortageHandling } from './shortage.js';

const DAY_MS = 86_400_000;
/** How long past its late flag a parcel may stay silent before the order is failed as lost. */
const PARCEL_LOST_AFTER_MS = 30 * DAY_MS;

const SHIPMENT_RANK: Record<ShipmentEvent['type'], number> = {
  picked_up: 1,
  in_transit: 2,
  out_for_delivery: 3,
  delivered: 4,
  exception: 0,
};

/** One order from placement to its outcome: verify, reserve, pay, confirm, ship, invoice, deliver, survey, complete. */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const { orderId, policy } = input;
  const run = startOrderRun(input);
  const { state, paymentInbox, shipmentInbox, pendingEdits, record, waitFor, notify, checkpoint, parcelMoving } = run;
  const seenEventIds = new Set<string>();
  let feedbackInbox: Feedback | null = null;
  const money = createMoneyHandling(run);
  const { drainPayments, giveBack, handlePayment } = money;
  const edits = createEditHandling(run, money, finish);
  const { applyEdits, awaitExtraPayments } = edits;
  const { settleShortage } = createShortageHandling(run, edits, finish);

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
        refuseHostileText(request);
        if (state.status !== 'awaiting_confirmation') {
          throw notAllowed(`order is ${state.status}: only orders awaiting confirmation can be confirmed`);
        }
        if (!request.actor) throw invalidRequest('actor is required');
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
        refuseHostileText(request);
        if (!request.actor || !request.reason) throw invalidRequest('actor and reason are required');
        const refusal = cancelRefusal();
        if (refusal) throw notAllowed(refusal);
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
      validator: (request) => {
        refuseHostileText(request);
        const { actor, correction } = request;
        if (!actor) throw invalidRequest('actor is required');
        if (state.status !== 'on_hold' || !state.hold)
          throw notAllowed(`order is ${state.status}: only orders on hold take corrections`);
        if (!correction.shippingAddress && !correction.customerPhone && !correction.customerName)
          throw invalidRequest('nothing to correct');
        if (correction.shippingAddress && !AddressSchema.safeParse(correction.shippingAddress).success)
          throw invalidRequest('shippingAddress is not a valid address');
      },
    },
  );

  setHandler(
    requestReturnUpdate,
    async (request) => {
      state.returns.request ??= request;
      await condition(() => state.returns.result !== null);
      return state.returns.result!;
    },
    {
      validator: (request) => {
        refuseHostileText(request);
        if (!request.actor || !request.reason) throw invalidRequest('actor and reason are required');
        if (state.returns.request) return; // asked before: the same answer again
        if (state.status !== 'delivered' || state.outcome)
          throw notAllowed(`order is ${state.status}: only delivered orders can be returned`);
        if (state.returns.closesAt && Date.now() >= Date.parse(state.returns.closesAt)) {
          throw notAllowed(`the return window closed at ${state.returns.closesAt}`);
        }
      },
    },
  );

  /** Why the order cannot be cancelled now, or null when it can (or a cancellation is already under way: the same answer again). */
  function cancelRefusal(): string | null {
    if (state.cancellation) return null;
    if (state.outcome) return `order is already ending (${state.outcome.reason})`;
    if (state.status === 'shipped' || state.status === 'delivered' || parcelMoving())
      return `order is ${state.status}: it has left the warehouse, request a return instead`;
    if (!isCancellable(state.status)) return `order is ${state.status} and can no longer be cancelled`;
    return null;
  }

  /**
   * An operator's cancel from Temporal UI or the CLI becomes a cancellation request like support's:
   * the same checks, the same compensation and the same timeline. Where support would be refused,
   * the order goes on and the refusal is flagged on its timeline for the operator to see.
   */
  async function cancelFromTemporal(): Promise<void> {
    if (state.outcome) return;
    const request = { actor: 'temporal-operator', reason: 'cancelled in Temporal (UI or CLI)' };
    const refusal = cancelRefusal();
    if (refusal === null) state.cancellation ??= { request, result: null };
    else await record('flag', 'operator_cancel_refused', state.status, { actor: request.actor, reason: refusal });
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
    // A step that began may have taken effect even if its answer never came back: undo it all the same.
    const byAttempt = patched('compensate-attempted-steps');
    const began = (step: UndoableStep) => byAttempt && run.attempted.has(step);
    await CancellationScope.nonCancellable(async () => {
      if ((state.shipment || began('book')) && !pickedUp && (await activities.cancelShipment({ orderId })).cancelled) {
        if (state.shipment) state.shipment.status = 'cancelled';
        undone.push('shipment_cancelled');
      }
      // Goods the carrier already has are not back on the shelf.
      if (
        (state.allocations.length > 0 || began('reserve')) &&
        !pickedUp &&
        (await activities.releaseStock({ orderId })).releasedUnits > 0
      )
        undone.push('stock_released');
      if (state.payment.amountPaid > state.payment.amountRefunded) {
        refunded = state.payment.amountPaid - state.payment.amountRefunded;
        await giveBack(refunded, reason, `${orderId}:refund:full`);
        state.payment.status = 'refunded';
        undone.push('payment_refunded');
      }
      if (state.invoice || began('invoice')) {
        creditNote = (await activities.issueCreditNote({ orderId }))?.number ?? null;
        if (creditNote) undone.push('invoice_credited');
      }
      if (state.pricing.pointsRedeemed > 0 && (await activities.returnRedeemedPoints({ orderId })).returnedPoints > 0)
        undone.push('points_returned');
    });
    return { undone, refunded, creditNote };
  }

  async function finish(
    status: 'cancelled' | 'failed' | 'completed' | 'returned',
    name: string,
    reason: string,
    detail?: Record<string, unknown>,
    actor?: string,
  ): Promise<OrderState> {
    state.outcome = { reason, ...(detail ? { detail } : {}) };
    waitFor(null);
    let result: CancelResult = { status, reason, undone: [], refunded: 0, creditNote: null };
    // Payments that arrived but were not handled yet are money we hold too: account for them (and refund what we must not keep).
    await drainPayments();
    if (status !== 'completed') {
      result = { status, reason, ...(await compensate(reason)) };
      await notify(status === 'returned' ? 'return_accepted' : 'order_cancelled', {
        reason,
        refunded: result.refunded,
        creditNote: result.creditNote,
      });
    }
    await record('milestone', name, status, {
      reason,
      detail: {
        ...detail,
        ...(status !== 'completed'
          ? { undone: result.undone, refunded: result.refunded, creditNote: result.creditNote }
          : {}),
      },
      ...(actor ? { actor } : {}),
    });
    // Changes still waiting for a safe point will not get one now.
    for (const edit of pendingEdits.splice(0)) edit.refusal = `order is ${status}: it can no longer change`;
    if (state.shortage?.decision === 'partial_ship' || state.shortage?.decision === 'substitute')
      run.shortageAnswer ??= { refusal: `order is ${status}` };
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

  if (patched('temporal-cancel-is-a-cancellation-request')) {
    // The lifecycle itself is never interrupted: a cancel from Temporal is turned into a request it answers at a safe point.
    CancellationScope.current().cancelRequested.catch(() => CancellationScope.nonCancellable(cancelFromTemporal));
    return CancellationScope.nonCancellable(runToEnd);
  }
  return runToEnd();

  /** The lifecycle, and how it ends when it is cancelled or a step fails for good. */
  async function runToEnd(): Promise<OrderState> {
    try {
      return await lifecycle();
    } catch (error) {
      if (error instanceof CancelledOnRequest) {
        const { request } = state.cancellation!;
        return finish('cancelled', 'order_cancelled', request.reason, { requestedBy: request.actor }, request.actor);
      }
      // A step Postgres will never accept: end the order (undoing what it did) and flag it for a person, instead of retrying forever.
      const reason = permanentFailure(error);
      if (!reason || !patched('permanent-failure-fails-order')) throw error;
      await record('flag', 'permanent_failure', state.status, { reason });
      return finish('failed', 'order_failed', 'permanent_failure', { message: reason });
    }
  }

  async function lifecycle(): Promise<OrderState> {
    // ── Verify and reserve ───────────────────────────────────────────────────────────────────
    await record('milestone', 'order_received', 'received', {
      detail: { total: state.pricing.total, currency: state.pricing.currency },
    });
    const verification = await activities.verifyOrder({ orderId, skus: state.lines.map((line) => line.sku) });
    if (!verification.ok)
      return finish('failed', 'order_failed', 'verification_failed', { problems: verification.problems });
    checkpoint();
    const contact = await activities.verifyContactInfo({ orderId });
    if (!contact.ok) {
      const ended = await holdForCorrection(contact.problems);
      if (ended) return ended;
    }

    await record('milestone', 'order_verified', 'reserving');
    run.attempted.add('reserve');
    const reservation = await activities.reserveStock({ orderId, lines: state.lines, urgent: input.type === 'urgent' });
    if (reservation.ok) {
      state.allocations = reservation.allocations;
      run.stockHeld = true;
    } else {
      const ended = await settleShortage(reservation.shortages);
      if (ended) return ended;
    }
    checkpoint();

    // ── Payment ──────────────────────────────────────────────────────────────────────────────
    const intent = await activities.createPaymentIntent({
      orderId,
      amount: state.pricing.total,
      currency: state.pricing.currency,
      method: input.paymentMethod,
    });
    const paymentDeadline = Date.now() + policy.paymentTimeoutMs;
    state.payment = {
      ...state.payment,
      intentId: intent.intentId,
      status: 'pending',
      deadline: new Date(paymentDeadline).toISOString(),
    };
    await record('milestone', 'stock_reserved', 'awaiting_payment', {
      detail: { allocations: state.allocations.length, paymentIntentId: intent.intentId },
    });
    waitFor(`payment of ${state.pricing.total} ${state.pricing.currency} by ${state.payment.deadline}`);
    while (state.payment.status !== 'captured') {
      const remaining = paymentDeadline - Date.now();
      if (
        remaining <= 0 ||
        !(await condition(
          () => paymentInbox.length > 0 || state.cancellation !== null || pendingEdits.length > 0,
          remaining,
        ))
      )
        break;
      checkpoint();
      if (pendingEdits.length > 0) await applyEdits();
      else await handlePayment(paymentInbox.shift()!);
    }
    checkpoint();
    if (state.payment.status !== 'captured')
      return finish('cancelled', 'order_cancelled', 'payment_timeout', { deadline: state.payment.deadline });

    // ── Confirmation: automatic on the lean path, a person when the review asks for one ────────
    if (state.review.required) {
      const confirmationDeadline = Date.now() + policy.confirmationTimeoutMs;
      state.review.deadline = new Date(confirmationDeadline).toISOString();
      await record('milestone', 'confirmation_requested', 'awaiting_confirmation', {
        reason: state.review.reasons.join(', '),
      });
      waitFor(`manual confirmation (${state.review.reasons.join(', ')}) by ${state.review.deadline}`);
      while (state.review.confirmedBy === null) {
        const remaining = confirmationDeadline - Date.now();
        if (
          remaining <= 0 ||
          !(await condition(
            () =>
              state.review.confirmedBy !== null ||
              state.cancellation !== null ||
              paymentInbox.length > 0 ||
              pendingEdits.length > 0,
            remaining,
          ))
        ) {
          return finish('cancelled', 'order_cancelled', 'confirmation_timeout', { deadline: state.review.deadline });
        }
        checkpoint();
        if (pendingEdits.length > 0) await applyEdits();
        else if (state.review.confirmedBy === null) await handlePayment(paymentInbox.shift()!);
      }
      const unpaid = await awaitExtraPayments();
      if (unpaid) return unpaid;
      await record('milestone', 'order_confirmed', 'confirmed', {
        actor: state.review.confirmedBy!,
        reason: state.review.note ?? 'confirmed by a person after review',
      });
    } else {
      await record('milestone', 'order_confirmed', 'confirmed', {
        reason: 'automatic confirmation: low risk, paid in full',
      });
    }
    waitFor(null);
    await notify('order_confirmed', { total: state.pricing.total, currency: state.pricing.currency });
    checkpoint();

    // ── Fulfilment: book the carrier, commit stock, invoice ─────────────────────────────────
    let booking: Awaited<ReturnType<typeof activities.bookShipment>>;
    run.attempted.add('book');
    try {
      booking = await activities.bookShipment({
        orderId,
        urgent: input.type === 'urgent',
        requestedDeliveryBy: input.requestedDeliveryBy,
        now: new Date().toISOString(),
      });
    } catch (error) {
      const noCarrier = activityFailedWith(error, FailureType.NoCarrier);
      if (noCarrier) {
        return finish('failed', 'order_failed', 'no_carrier', { message: noCarrier.message });
      }
      throw error;
    }
    state.shipment = {
      carrierId: booking.carrierId,
      service: booking.service,
      trackingNumber: booking.trackingNumber,
      eta: booking.eta,
      status: 'booked',
    };
    checkpoint();
    await activities.commitStock({ orderId });
    checkpoint();
    run.attempted.add('invoice');
    const invoice = await activities.issueInvoice({ orderId });
    state.invoice = { number: invoice.number, total: invoice.total };
    checkpoint();
    await activities.deliverInvoice({ orderId, number: invoice.number });
    await record('note', 'invoice_issued', state.status, {
      detail: { number: invoice.number, contentHash: invoice.contentHash },
    });
    await record('milestone', 'shipment_booked', 'ready_to_ship', { detail: { ...booking } });
    if (!booking.meetsDeadline)
      await record('flag', 'delivery_deadline_at_risk', state.status, {
        detail: { requestedDeliveryBy: input.requestedDeliveryBy, eta: booking.eta },
      });

    // ── Transit: tracking events until delivery; late parcels are flagged, silent ones failed ──
    const lateAt = Date.parse(booking.eta) + policy.deliveryGraceMs;
    const lostAt = lateAt + (policy.parcelLostAfterMs ?? PARCEL_LOST_AFTER_MS);
    let rank = 0;
    while (rank < SHIPMENT_RANK.delivered) {
      const late = state.flags.includes('parcel_late');
      waitFor(
        `${rank === 0 ? 'pickup' : 'delivery'} by ${state.shipment.carrierId} (${state.shipment.trackingNumber}), ETA ${booking.eta}`,
      );
      const timeout = (late ? lostAt : lateAt) - Date.now();
      const woke =
        timeout > 0 &&
        (await condition(
          () =>
            shipmentInbox.length > 0 ||
            paymentInbox.length > 0 ||
            state.cancellation !== null ||
            pendingEdits.length > 0,
          timeout,
        ));
      checkpoint();
      if (!woke) {
        if (late)
          return finish('failed', 'order_failed', 'parcel_lost', {
            trackingNumber: booking.trackingNumber,
            eta: booking.eta,
          });
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
      await activities.recordShipmentEvent({
        orderId,
        trackingNumber: event.trackingNumber,
        type: event.type,
        occurredAt: event.occurredAt,
      });
      const detail = { eventId: event.eventId, at: event.occurredAt, location: event.location, detail: event.detail };
      if (event.type === 'exception') {
        await record('flag', 'shipment_exception', state.status, {
          reason: event.detail ?? 'carrier reported an exception',
          detail,
        });
        continue;
      }
      if (SHIPMENT_RANK[event.type] <= rank) continue; // late or repeated news: the parcel is already further along
      const wasPickedUp = rank >= SHIPMENT_RANK.picked_up;
      rank = SHIPMENT_RANK[event.type];
      state.shipment.status = event.type;
      if (!wasPickedUp) {
        await record('milestone', 'parcel_picked_up', 'shipped', { detail });
        await notify('shipped', {
          carrierId: booking.carrierId,
          trackingNumber: booking.trackingNumber,
          eta: booking.eta,
        });
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
      const woke = await condition(
        () => (surveyOpen && feedbackInbox !== null) || paymentInbox.length > 0 || state.returns.request !== null,
        until,
      );
      if (!woke) continue;
      if (state.returns.request) return acceptReturn(state.returns.request);
      if (paymentInbox.length > 0) {
        await handlePayment(paymentInbox.shift()!);
        continue;
      }
      const feedback = feedbackInbox!;
      state.feedback = feedback;
      await activities.recordFeedback({ orderId, ...feedback });
      await record('note', 'feedback_received', state.status, {
        actor: 'customer',
        detail: { ...feedback.ratings, comment: feedback.comment ?? null },
      });
    }
    await activities.creditEarnedPoints({ orderId });
    return finish('completed', 'order_completed', state.feedback ? 'completed with feedback' : 'completed');
  }

  /** Holds the order until support corrects its contact details; no correction by the deadline cancels it. */
  async function holdForCorrection(problems: ContactProblem[]): Promise<OrderState | null> {
    const reason = 'unverifiable_contact_info';
    state.hold = { reason, problems, deadline: new Date(Date.now() + policy.infoHoldTimeoutMs).toISOString() };
    upsertSearchAttributes([{ key: HoldReasonKey, value: reason }]);
    await record('milestone', 'order_on_hold', 'on_hold', {
      reason: problems.map((p) => `${p.path} ${p.message}`).join('; '),
      detail: { problems },
      hold: reason,
    });
    await notify('info_needed', { problems });
    waitFor(`corrected contact details by ${state.hold.deadline}`);
    const deadline = Date.now() + policy.infoHoldTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      const released =
        remaining > 0 &&
        (await condition(
          () => state.hold === null || state.cancellation !== null || pendingEdits.length > 0,
          remaining,
        ));
      checkpoint();
      if (!released)
        return finish('cancelled', 'order_cancelled', 'info_not_corrected', {
          problems: state.hold?.problems ?? problems,
        });
      if (pendingEdits.length === 0) break;
      // An edit may bring a deliverable address and so release the hold.
      await applyEdits();
    }
    upsertSearchAttributes([{ key: HoldReasonKey, value: '' }]);
    await record('milestone', 'hold_released', 'received', {
      reason: 'contact details corrected and verified',
      hold: null,
    });
    return null;
  }

  /** Refund, credit note and the goods back in stock as new lots; then the order ends as returned. */
  async function acceptReturn(request: ReturnRequest): Promise<OrderState> {
    await record('note', 'return_requested', state.status, { actor: request.actor, reason: request.reason });
    const { restockedUnits } = await activities.restockReturnedGoods({ orderId });
    return finish(
      'returned',
      'order_returned',
      request.reason,
      { requestedBy: request.actor, restockedUnits },
      request.actor,
    );
  }
}
