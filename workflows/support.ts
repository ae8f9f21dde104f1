import { condition, setHandler } from '@temporalio/workflow';
import { invalidRequest, notAllowed } from '../domain/failure-types.js';
import { AddressSchema } from '../domain/order-schema.js';
import { isCancellable } from '../domain/order-status.js';
import { cancelOrderUpdate, confirmOrderUpdate, correctInfoUpdate, requestReturnUpdate } from './messages.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';
import { refuseHostileText, requireActor } from './request-checks.js';

/**
 * Support's requests, each an update so the caller gets a yes or the refusal with its reason:
 * confirm a reviewed order, cancel, correct the details of a held order, take a delivered order back.
 * Each handler only records the request; the stage it concerns acts on it at its next safe point.
 */
export function handleSupportRequests(run: OrderRun): void {
  acceptConfirmations(run);
  acceptCancellations(run);
  acceptInfoCorrections(run);
  acceptReturnRequests(run);
}

/** Takes support's confirmation of an order held for review; refused in any other stage. */
function acceptConfirmations(run: OrderRun): void {
  const { state } = run;
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
        requireActor(request);
      },
    },
  );
}

/** Takes a cancellation request and answers it once the order has ended: what was undone, or why not. */
function acceptCancellations(run: OrderRun): void {
  const { state } = run;
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
        const refusal = cancelRefusal(run);
        if (refusal) throw notAllowed(refusal);
      },
    },
  );
}

/** Takes support's correction of the details that hold an order, and checks them again at once. */
function acceptInfoCorrections(run: OrderRun): void {
  const { orderId, state } = run;
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
        const { correction } = request;
        requireActor(request);
        if (state.status !== 'on_hold' || !state.hold)
          throw notAllowed(`order is ${state.status}: only orders on hold take corrections`);
        if (!correction.shippingAddress && !correction.customerPhone && !correction.customerName)
          throw invalidRequest('nothing to correct');
        if (correction.shippingAddress && !AddressSchema.safeParse(correction.shippingAddress).success)
          throw invalidRequest('shippingAddress is not a valid address');
      },
    },
  );
}

/** Takes a return request for a delivered order inside its window, and answers it once the return is done. */
function acceptReturnRequests(run: OrderRun): void {
  const { state } = run;
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
}

/** Why the order cannot be cancelled now, or null when it can (or a cancellation is already under way: the same answer again). */
export function cancelRefusal({ state, parcelMoving }: OrderRun): string | null {
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
export async function cancelFromTemporal(run: OrderRun): Promise<void> {
  const { state } = run;
  if (state.outcome) return;
  const request = { actor: 'temporal-operator', reason: 'cancelled in Temporal (UI or CLI)' };
  const refusal = cancelRefusal(run);
  if (refusal === null) state.cancellation ??= { request, result: null };
  else await run.record('flag', 'operator_cancel_refused', state.status, { actor: request.actor, reason: refusal });
}
