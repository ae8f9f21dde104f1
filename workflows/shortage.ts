import { condition, ParentClosePolicy, setHandler, startChild } from '@temporalio/workflow';
import { invalidRequest, notAllowed } from '../domain/failure-types.js';
import { splitByShortage, substituteLines } from '../domain/order-changes.js';
import type { Shortage } from '../domain/order-lines.js';
import { cancelled, type Ending } from './ending.js';
import {
  resolveShortageUpdate,
  SHORTAGE_DECISIONS,
  stockReplenishedSignal,
  type OrderWorkflowInput,
  type ShortageResolution,
  type Substitution,
} from './messages.js';
import { commitRevision, priceAndReserve } from './edits.js';
import { activities } from './order-activities.js';
import type { OrderRun } from './order-run.js';
import { refuseHostileText, requireActor } from './request-checks.js';
import { orderStartAttributes, orderWorkflowId } from './search-attributes.js';
import { awaitStage } from './stage-wait.js';

/** Takes support's shortage decision (split, substitute, wait, cancel) and news of restock, for the reserve stage to act on. */
export function handleShortageDecisions(run: OrderRun): void {
  const { state } = run;

  setHandler(
    resolveShortageUpdate,
    async ({ actor, decision, substitutes }) => {
      state.shortage!.decision = decision;
      state.shortage!.decidedBy = actor;
      state.shortage!.substitutes = substitutes ?? [];
      // Waiting and cancelling need no work to answer; a split or a substitution is priced and reserved first.
      if (decision === 'wait_restock' || decision === 'cancel') return { decision };
      run.shortageAnswer = null;
      await condition(() => run.shortageAnswer !== null);
      const answer = run.shortageAnswer!;
      if ('refusal' in answer) throw notAllowed(answer.refusal);
      return answer.resolution;
    },
    {
      validator: (request) => {
        refuseHostileText(request);
        const { decision, substitutes } = request;
        requireActor(request);
        if (!SHORTAGE_DECISIONS.includes(decision))
          throw invalidRequest(`decision ${String(decision)} is not one of ${SHORTAGE_DECISIONS.join(', ')}`);
        if (
          state.status !== 'awaiting_shortage_decision' ||
          !state.shortage ||
          state.shortage.decision ||
          state.outcome ||
          run.stockHeld
        ) {
          throw notAllowed(
            `order is ${state.status}${state.shortage?.decision ? ` (already decided: ${state.shortage.decision})` : ''}: no shortage decision is pending`,
          );
        }
        const shortSkus = new Set(state.shortage.shortages.map((s) => s.sku));
        if (decision === 'substitute') {
          if (!substitutes?.length)
            throw invalidRequest('substitutes are required: name a substitute for each short product');
          const unknown = substitutes.find((s: Substitution) => !shortSkus.has(s.sku));
          if (unknown)
            throw invalidRequest(
              `${unknown.sku} is not short on this order: only ${[...shortSkus].join(', ')} can be substituted`,
            );
          const same = substitutes.find((s: Substitution) => s.substituteSku === s.sku);
          if (same) throw invalidRequest(`${same.sku} cannot substitute for itself`);
        } else if (substitutes?.length) {
          throw invalidRequest('substitutes go with the substitute decision only');
        }
        if (decision === 'partial_ship' && splitByShortage(state.lines, state.shortage.shortages).now.length === 0) {
          throw notAllowed('nothing on this order is in stock to ship now: wait for restock, substitute or cancel');
        }
      },
    },
  );

  setHandler(stockReplenishedSignal, () => {
    run.restocked = true;
  });
}

/**
 * Stock cannot cover the order: the customer is told and support decides: ship what is in stock and
 * back-order the rest, substitute, wait for restock, or cancel. No decision by the deadline cancels
 * (the policy default). Returns how the order ends, or null once its stock is reserved.
 */
export async function settleShortage(run: OrderRun, shortages: Shortage[]): Promise<Ending | null> {
  const { state, input, record, notify } = run;
  const { policy } = input;
  state.shortage = {
    shortages,
    deadline: new Date(Date.now() + policy.shortageDecisionTimeoutMs).toISOString(),
    decision: null,
    decidedBy: null,
    substitutes: [],
  };
  if (input.backorderOf) {
    // A back-order exists because stock was short: it waits for restock without asking again.
    state.shortage.decision = 'wait_restock';
    state.shortage.decidedBy = 'orchestrator';
    await record('milestone', 'stock_short', 'awaiting_shortage_decision', {
      detail: { shortages, backorderOf: input.backorderOf },
    });
    return waitForRestock(run, 'orchestrator', `back-order of ${input.backorderOf}`);
  }
  await record('milestone', 'stock_short', 'awaiting_shortage_decision', { detail: { shortages } });
  await notify('stock_shortage', { shortages });
  const deadline = Date.now() + policy.shortageDecisionTimeoutMs;
  for (;;) {
    const decided = await awaitStage(run, {
      waitingFor: `a shortage decision (ship part, substitute, wait for restock or cancel) by ${state.shortage.deadline}`,
      timer: 'shortage decision deadline',
      until: deadline,
      // An edit may make the order fit the stock while support is still deciding.
      done: () => state.shortage!.decision !== null || run.stockHeld,
      takesPayments: false,
    });
    if (run.stockHeld) return coveredByEdit(run);
    const { decision, decidedBy } = state.shortage;
    // The policy default when nobody decides: do not keep the customer waiting on an open question.
    if (!decided || decision === 'cancel')
      return cancelled(decided ? 'shortage_cancel' : 'shortage_undecided', { shortages }, decidedBy ?? undefined);
    if (decision === 'wait_restock') return waitForRestock(run, decidedBy!, 'customer waits for restock');
    const outcome =
      decision === 'partial_ship'
        ? await shipWhatIsInStock(run, decidedBy!)
        : await substituteShortProducts(run, decidedBy!);
    run.shortageAnswer = typeof outcome === 'string' ? { refusal: outcome } : { resolution: outcome };
    if (typeof outcome !== 'string') return null;
    // Refused (stock moved, a product cannot be sold): the question is still open.
    state.shortage.decision = null;
    state.shortage.decidedBy = null;
  }
}

/**
 * An edit made the order fit the stock while support was deciding. A decision that arrived meanwhile
 * still gets its answer: a cancellation is carried out, a split or a substitution is no longer needed.
 */
function coveredByEdit(run: OrderRun): Ending | null {
  const { decision, decidedBy, shortages } = run.state.shortage!;
  if (decision === 'cancel') return cancelled('shortage_cancel', { shortages }, decidedBy ?? undefined);
  if (decision === 'partial_ship' || decision === 'substitute')
    run.shortageAnswer = { refusal: 'an edit already covered the order from stock: no shortage decision is needed' };
  return null;
}

/** The whole order waits for stock: every arrival retries the reservation; none by the deadline cancels. */
async function waitForRestock(run: OrderRun, actor: string, reason: string): Promise<Ending | null> {
  const { orderId, state, input } = run;
  await run.record('note', 'backordered', state.status, { actor, reason });
  const restockDeadline = Date.now() + input.policy.shortageDecisionTimeoutMs;
  for (;;) {
    const restocked = await awaitStage(run, {
      waitingFor: `restock of ${state.shortage!.shortages.map((s) => s.sku).join(', ')} by ${new Date(restockDeadline).toISOString()}`,
      timer: 'restock deadline',
      until: restockDeadline,
      // An edit may bring lines the stock can cover.
      done: () => run.restocked || run.stockHeld,
      takesPayments: false,
    });
    if (!restocked) return cancelled('restock_timeout', { shortages: state.shortage!.shortages });
    if (run.stockHeld) return null;
    run.restocked = false;
    run.attempted.add('reserve');
    const retry = await activities.reserveStock({ orderId, lines: state.lines, urgent: input.type === 'urgent' });
    if (retry.ok) {
      state.shortage!.shortages = [];
      state.allocations = retry.allocations;
      run.stockHeld = true;
      return null;
    }
    state.shortage!.shortages = retry.shortages;
  }
}

/** Partial shipment: this order keeps what is in stock; the rest becomes a back-order of its own that waits for restock. */
async function shipWhatIsInStock(run: OrderRun, actor: string): Promise<ShortageResolution | string> {
  const { orderId, state, input, record, notify } = run;
  const { policy } = input;
  const { now, rest } = splitByShortage(state.lines, state.shortage!.shortages);
  const revised = await priceAndReserve(run, now);
  if (typeof revised === 'string') return revised;
  const backorder = await activities.createBackorder({ parentOrderId: orderId, lines: rest });
  const backorderInput: OrderWorkflowInput = {
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
  };
  // Started by type name: the order workflow is this module's caller, and importing it would make a circle.
  await startChild('orderWorkflow', {
    workflowId: orderWorkflowId(backorder.orderId),
    // The back-order lives on when this order completes.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [backorderInput],
    memo: { channel: input.channel, externalId: null, backorderOf: orderId },
    ...orderStartAttributes({
      orderId: backorder.orderId,
      type: input.type,
      channel: input.channel,
      customerId: input.customerId,
      total: backorder.pricing.total,
      currency: backorder.pricing.currency,
    }),
  });
  state.backorder = { orderId: backorder.orderId };
  const previousTotal = state.pricing.total;
  await commitRevision(run, revised);
  await record('note', 'order_split', state.status, {
    actor,
    reason: 'ship what is in stock, back-order the rest',
    detail: {
      backorderId: backorder.orderId,
      shipsNow: now,
      backordered: rest,
      previousTotal,
      total: state.pricing.total,
    },
  });
  await notify('order_split', { backorderId: backorder.orderId, backordered: rest, total: state.pricing.total });
  return { decision: 'partial_ship', total: state.pricing.total, backorderId: backorder.orderId };
}

/** Replaces short products with the substitutes support named, re-priced and reserved. */
async function substituteShortProducts(run: OrderRun, actor: string): Promise<ShortageResolution | string> {
  const { state, record, notify } = run;
  const { substitutes } = state.shortage!;
  const revised = await priceAndReserve(run, substituteLines(state.lines, substitutes));
  if (typeof revised === 'string') return revised;
  const previousTotal = state.pricing.total;
  await commitRevision(run, revised);
  await record('note', 'products_substituted', state.status, {
    actor,
    reason: 'substitutes for products out of stock',
    detail: { substitutes, previousTotal, total: state.pricing.total },
  });
  await notify('order_edited', { substitutes, previousTotal, total: state.pricing.total });
  return { decision: 'substitute', total: state.pricing.total, backorderId: null };
}
