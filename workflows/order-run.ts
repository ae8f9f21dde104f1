import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import { activityFailedWith, FailureType, invalidRequest } from '../domain/failure-types.js';
import { findHostileText } from '../domain/hostile-text.js';
import type { OrderStatus } from '../domain/order-status.js';
import type {
  EditRequest,
  EditResult,
  OrderState,
  OrderWorkflowInput,
  PaymentEvent,
  ShipmentEvent,
  ShortageResolution,
} from './messages.js';
import { FlaggedKey, OrderStatusKey } from './search-attributes.js';

/** The order's activities, as every stage of its workflow calls them. */
export const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [FailureType.NoCarrier, FailureType.OrderNotFound],
  },
});

/** Timeline writes are short database writes: as local activities they skip a task-queue round trip per entry. */
const timeline = proxyLocalActivities<Pick<OrderActivities, 'recordOrderProgress'>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

/**
 * Refuses a request whose text Postgres could not store or logs should not carry (a NUL byte, a
 * control character other than tab and line breaks, a lone surrogate). Every update validator calls it first: requests from Temporal UI or the CLI skip the
 * API's checks, and one accepted bad string would fail every later write of the order.
 */
export function refuseHostileText(request: unknown): void {
  const [issue] = findHostileText(request, true);
  if (!issue) return;
  const path =
    issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '') || 'request';
  throw invalidRequest(`${path} ${issue.message}`);
}

/** The reason, when an activity failed in a way no retry can mend (Postgres refused its data); null for any other error. */
export function permanentFailure(error: unknown): string | null {
  return activityFailedWith(error, FailureType.PermanentDataError)?.message ?? null;
}

/** A step whose effect must be undone on cancellation even when its answer never reached the workflow. */
export type UndoableStep = 'reserve' | 'book' | 'invoice';

/** Thrown at a checkpoint to leave the lifecycle once a cancellation was accepted. */
export class CancelledOnRequest extends Error {}

/** How an order ends, with the reason and what the timeline should keep; returns the final state. */
export type Finish = (
  status: 'cancelled' | 'failed' | 'completed' | 'returned',
  name: string,
  reason: string,
  detail?: Record<string, unknown>,
  actor?: string,
) => Promise<OrderState>;

/** An edit waiting for a safe point of the lifecycle, and its answer once it has one. */
export interface PendingEdit {
  request: EditRequest;
  result: EditResult | null;
  refusal: string | null;
}

/** What one run of an order's workflow shares across its stages: the state, the inboxes and how it records progress. */
export interface OrderRun {
  readonly input: OrderWorkflowInput;
  readonly orderId: string;
  readonly state: OrderState;
  readonly paymentInbox: PaymentEvent[];
  readonly shipmentInbox: ShipmentEvent[];
  readonly pendingEdits: PendingEdit[];
  /** Steps begun, marked before their activity runs: compensation undoes them even if the answer was lost. */
  readonly attempted: Set<UndoableStep>;
  /** Timeline steps written so far: each entry's sequence number, and part of notification keys. */
  step: number;
  /** Whether the order holds its stock: edits from then on swap the reservation instead of leaving it to the reserve stage. */
  stockHeld: boolean;
  /** Stock arrived since the order last tried to reserve. */
  restocked: boolean;
  /** The answer to a shortage decision that needed work (a split or a substitution). */
  shortageAnswer: { resolution: ShortageResolution } | { refusal: string } | null;
  record(
    kind: 'milestone' | 'note' | 'flag',
    name: string,
    status: OrderStatus,
    extra?: { reason?: string; detail?: Record<string, unknown>; actor?: string; hold?: string | null },
  ): Promise<void>;
  waitFor(what: string | null): void;
  notify(
    template: Parameters<OrderActivities['notifyCustomer']>[0]['template'],
    payload?: Record<string, unknown>,
  ): Promise<{ sent: boolean }>;
  checkpoint(): void;
  parcelMoving(): boolean;
}

/** The starting state of an order's workflow run, from its placement input. */
export function startOrderRun(input: OrderWorkflowInput): OrderRun {
  const { orderId } = input;
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
  const shipmentInbox: ShipmentEvent[] = [];
  const run: OrderRun = {
    input,
    orderId,
    state,
    paymentInbox: [],
    shipmentInbox,
    pendingEdits: [],
    attempted: new Set(),
    step: 0,
    stockHeld: false,
    restocked: false,
    shortageAnswer: null,
    record,
    waitFor,
    notify,
    checkpoint,
    parcelMoving,
  };
  return run;

  /** Records a timeline entry; a milestone or status change also moves the order and its search attributes. */
  async function record(
    kind: 'milestone' | 'note' | 'flag',
    name: string,
    status: OrderStatus,
    extra: { reason?: string; detail?: Record<string, unknown>; actor?: string; hold?: string | null } = {},
  ): Promise<void> {
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
    run.step += 1;
    const progress = {
      orderId,
      seq: run.step,
      kind,
      name,
      status,
      actor: extra.actor ?? 'orchestrator',
      at,
      reason: extra.reason,
      detail: extra.detail,
      flags: [...state.flags],
      hold: extra.hold,
    };
    // Orders that started before timeline writes became local activities replay with the activity they recorded.
    if (patched('timeline-as-local-activity')) await timeline.recordOrderProgress(progress);
    else await activities.recordOrderProgress(progress);
  }

  /** Shows what the order waits for, in its state and in Temporal UI. */
  function waitFor(what: string | null) {
    state.waitingFor = what;
    setCurrentDetails(what ? `**${state.status}**: waiting for ${what}` : `**${state.status}**`);
  }

  /** Tells the customer, once per template and timeline step; a message that can never be sent is flagged for a person instead of blocking the order. */
  async function notify(
    template: Parameters<OrderActivities['notifyCustomer']>[0]['template'],
    payload: Record<string, unknown> = {},
  ) {
    try {
      return await activities.notifyCustomer({
        orderId,
        template,
        dedupeKey: `${orderId}:${template}:${run.step}`,
        payload,
      });
    } catch (error) {
      const reason = permanentFailure(error);
      if (!reason || !patched('notification-failure-flagged')) throw error;
      await record('flag', 'notification_failed', state.status, { reason, detail: { template } });
      return { sent: false };
    }
  }

  /** Stops the lifecycle at a safe point once a cancellation was accepted. */
  function checkpoint() {
    if (state.cancellation) throw new CancelledOnRequest();
  }

  /** Whether the parcel has left, counting news of it that is queued but not yet processed. */
  function parcelMoving(): boolean {
    return (
      shipmentInbox.some((event) => event.type !== 'exception') ||
      (state.shipment !== null && state.shipment.status !== 'booked' && state.shipment.status !== 'cancelled')
    );
  }
}
