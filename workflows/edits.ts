import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { checkAddress } from '../domain/contact-check.js';
import { invalidRequest, notAllowed } from '../domain/failure-types.js';
import { canEditAddress, canEditLines } from '../domain/order-changes.js';
import type { RequestedLine, RevisedLines } from '../domain/order-lines.js';
import { AddressSchema, OrderLinesSchema } from '../domain/order-schema.js';
import { editOrderUpdate, type EditRequest, type EditResult, type EditSettlement } from './messages.js';
import { settleDifference } from './money.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';
import { refuseHostileText, requireActor } from './request-checks.js';
import { OrderTotalKey } from './search-attributes.js';

// Edits of an order's address and lines: accepted at once, applied at the lifecycle's next safe point.

/** Takes support's edits into the order's queue; the caller gets the result once a stage has applied it, or the refusal. */
export function handleEdits(run: OrderRun): void {
  // Edits wait in line for a safe point of the lifecycle, so they never race a payment or a confirmation.
  setHandler(
    editOrderUpdate,
    async (request) => {
      const edit = { request, result: null as EditResult | null, refusal: null as string | null };
      run.pendingEdits.push(edit);
      await condition(() => edit.result !== null || edit.refusal !== null);
      if (edit.refusal !== null) throw notAllowed(edit.refusal);
      return edit.result!;
    },
    { validator: (request) => validateEdit(run, request) },
  );
}

/** Refuses an edit that is malformed, or that the order as it is now cannot take. */
function validateEdit(run: OrderRun, request: EditRequest): void {
  refuseHostileText(request);
  requireActor(request);
  if (!request.shippingAddress && !request.lines)
    throw invalidRequest('nothing to change: give shippingAddress or lines');
  if (request.shippingAddress) {
    const address = AddressSchema.safeParse(request.shippingAddress);
    if (!address.success) throw invalidRequest('shippingAddress is not a valid address');
    const problems = checkAddress(address.data);
    if (problems.length > 0)
      throw invalidRequest(
        `shippingAddress cannot be delivered to: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      );
  }
  if (request.lines && !OrderLinesSchema.safeParse(request.lines).success)
    throw invalidRequest('lines must be 1 to 100 lines of an upper-case SKU and a quantity of 1 to 999');
  const refusal = editRefusal(run, request);
  if (refusal) throw notAllowed(refusal);
}

/** Why an edit cannot be applied to the order as it is now, or null when it can. */
function editRefusal(run: OrderRun, request: EditRequest): string | null {
  const { state, parcelMoving } = run;
  if (state.outcome || state.cancellation) return `order is ${state.status} and ending: it can no longer change`;
  if (request.lines && state.status === 'in_production' && productionStarted(run))
    return 'production has started: lines can no longer change';
  if (request.lines && !canEditLines(state.status) && state.status !== 'in_production')
    return `order is ${state.status}: lines can change only until the order is confirmed`;
  const unpaid = state.payment.extras.find((extra) => extra.status === 'pending');
  if (request.lines && unpaid)
    return `an extra payment of ${unpaid.amount} ${state.pricing.currency} (${unpaid.intentId}) is still open: lines can change again once it is paid`;
  if (request.shippingAddress && (!canEditAddress(state.status) || parcelMoving()))
    return `order is ${state.status}: the parcel has left the warehouse, its address can no longer change`;
  return null;
}

/** Whether the factory started a job of the order, counting news of it not yet handled (or production is not planned yet). */
function productionStarted({ state, productionInbox }: OrderRun): boolean {
  return (
    state.production === null || state.production.started || productionInbox.some((news) => news.kind === 'started')
  );
}

/** Answers queued edits at a safe point of the lifecycle, one at a time, in the order they came. */
export async function applyEdits(run: OrderRun): Promise<void> {
  while (run.pendingEdits.length > 0) {
    const edit = run.pendingEdits.shift()!;
    // The order may have moved on since the edit was accepted for processing.
    const refusal = editRefusal(run, edit.request);
    const outcome = refusal ?? (await reviseOrder(run, edit.request));
    if (typeof outcome === 'string') edit.refusal = outcome;
    else edit.result = outcome;
  }
}

/** Applies one edit: new lines are priced and reserved first, then written; a new address goes to the carrier too. */
async function reviseOrder(run: OrderRun, request: EditRequest): Promise<EditResult | string> {
  const { orderId, state } = run;
  const { actor, reason, shippingAddress, lines } = request;
  const revised = lines ? await priceAndReserve(run, lines) : undefined;
  if (typeof revised === 'string') return revised;
  const previousTotal = state.pricing.total;
  const changed: EditResult['changed'] = [
    ...(shippingAddress ? (['shipping_address'] as const) : []),
    ...(revised ? (['lines'] as const) : []),
  ];
  await commitRevision(run, revised, shippingAddress);
  const parcel =
    shippingAddress && state.shipment?.status === 'booked' ? await activities.redirectShipment({ orderId }) : undefined;
  if (shippingAddress && state.hold) {
    const check = await activities.verifyContactInfo({ orderId });
    state.hold = check.ok ? null : { ...state.hold, problems: check.problems };
  }
  const settlement: EditSettlement = revised ? await settleDifference(run) : { kind: 'none' };
  const result: EditResult = {
    status: state.status,
    revision: state.revision,
    changed,
    previousTotal,
    total: state.pricing.total,
    settlement,
  };
  await run.record('note', 'order_edited', state.status, {
    actor,
    reason: reason ?? `changed ${changed.join(' and ')}`,
    detail: { ...result, ...(parcel ? { parcelRedirected: parcel.redirected } : {}) },
  });
  await run.notify(settlement.kind === 'extra_payment_requested' ? 'extra_payment_requested' : 'order_edited', {
    changed,
    previousTotal,
    total: state.pricing.total,
    settlement,
  });
  return result;
}

/** Prices new lines and, when the order holds stock (or is short of it), swaps its reservation for them; a string says why not. */
export async function priceAndReserve(run: OrderRun, lines: RequestedLine[]): Promise<RevisedLines | string> {
  const { orderId, state, input } = run;
  const priced = await activities.priceOrderLines({ orderId, lines });
  if (!priced.ok)
    return `the new lines cannot be sold: ${priced.problems.map((p) => `${p.path.join('.')} ${p.message}`).join('; ')}`;
  if (!run.stockHeld && state.status !== 'awaiting_shortage_decision') return priced.revised;
  run.attempted.add('reserve');
  const reservation = await activities.reviseReservation({
    orderId,
    lines: priced.revised.lines,
    urgent: input.type === 'urgent',
  });
  if (!reservation.ok)
    return `stock cannot cover the new lines: ${reservation.shortages.map((s) => `${s.sku} ${s.available} of ${s.requested} available`).join('; ')}`;
  state.allocations = reservation.allocations;
  run.stockHeld = true;
  return priced.revised;
}

/** Writes a revision of the order (lines, price, review, address) and makes it the order's own. */
export async function commitRevision(
  run: OrderRun,
  revised: RevisedLines | undefined,
  shippingAddress?: EditRequest['shippingAddress'],
): Promise<void> {
  const { orderId, state } = run;
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
