import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { OrderStatus } from '../domain/order-status.js';
import type {
  EditRequest,
  EditResult,
  Feedback,
  OrderState,
  OrderWorkflowInput,
  PaymentEvent,
  ProductionNews,
  ShipmentEvent,
  ShortageResolution,
} from './messages.js';
import { activities, permanentFailure, timeline } from './order-activities.js';
import { FlaggedKey, OrderStatusKey } from './search-attributes.js';

/** A step whose effect must be undone on cancellation even when its answer never reached the workflow. */
export type UndoableStep = 'reserve' | 'book' | 'invoice' | 'produce';

/** Thrown at a checkpoint to leave the lifecycle once a cancellation was accepted. */
export class CancelledOnRequest extends Error {}

/** An edit waiting for a safe point of the lifecycle, and its answer once it has one. */
export interface PendingEdit {
  request: EditRequest;
  result: EditResult | null;
  refusal: string | null;
}

/** The kinds of timeline entry: milestones move the order, notes tell what happened, flags ask for a person. */
export type TimelineKind = 'milestone' | 'note' | 'flag';

/** What a timeline entry keeps beside its name. */
export interface TimelineExtra {
  reason?: string;
  detail?: Record<string, unknown>;
  actor?: string;
  hold?: string | null;
}

/** A customer message template. */
export type NotificationTemplate = Parameters<OrderActivities['notifyCustomer']>[0]['template'];

/** What one run of an order's workflow shares across its stages: the state, the inboxes and how it records progress. */
export interface OrderRun {
  readonly input: OrderWorkflowInput;
  readonly orderId: string;
  readonly state: OrderState;
  readonly paymentInbox: PaymentEvent[];
  readonly shipmentInbox: ShipmentEvent[];
  /** Factory, inspection and plan news of the order's production jobs, in arrival order. */
  readonly productionInbox: ProductionNews[];
  readonly pendingEdits: PendingEdit[];
  /** The first survey answer, until the after-delivery stage records it. */
  feedbackInbox: Feedback | null;
  /** Steps begun, marked before their activity runs: compensation undoes them even if the answer was lost. */
  readonly attempted: Set<UndoableStep>;
  /** Provider transactions already counted as captures: the provider may report one twice, under two event ids. */
  readonly capturedTransactions: Set<string>;
  /** Timeline steps written so far: each entry's sequence number, and part of notification keys. */
  step: number;
  /** Whether the order holds its stock: edits from then on swap the reservation instead of leaving it to the reserve stage. */
  stockHeld: boolean;
  /** Stock arrived since the order last tried to reserve. */
  restocked: boolean;
  /** The answer to a shortage decision that needed work (a split or a substitution). */
  shortageAnswer: { resolution: ShortageResolution } | { refusal: string } | null;
  record(kind: TimelineKind, name: string, status: OrderStatus, extra?: TimelineExtra): Promise<void>;
  waitFor(what: string | null): void;
  notify(template: NotificationTemplate, payload?: Record<string, unknown>): Promise<{ sent: boolean }>;
  checkpoint(): void;
  parcelMoving(): boolean;
}

/** The starting state of an order's workflow run, from its placement input. */
export function startOrderRun(input: OrderWorkflowInput): OrderRun {
  const { orderId } = input;
  const state = initialState(input);
  const shipmentInbox: ShipmentEvent[] = [];
  const run: OrderRun = {
    input,
    orderId,
    state,
    paymentInbox: [],
    shipmentInbox,
    productionInbox: [],
    pendingEdits: [],
    feedbackInbox: null,
    attempted: new Set(),
    capturedTransactions: new Set(),
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
  async function record(kind: TimelineKind, name: string, status: OrderStatus, extra: TimelineExtra = {}) {
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
    const progress = timelineEntry(run, kind, name, at, extra);
    // Orders that started before timeline writes became local activities replay with the activity they recorded.
    if (patched('timeline-as-local-activity')) await timeline.recordOrderProgress(progress);
    else await activities.recordOrderProgress(progress);
    // Orders that started before flags reached staff replay without the alert they never sent.
    if (kind === 'flag' && patched('flags-alert-staff')) await alertStaffOfFlag(run, name, extra);
  }

  /** Shows what the order waits for, in its state and in Temporal UI. */
  function waitFor(what: string | null) {
    state.waitingFor = what;
    setCurrentDetails(what ? `**${state.status}**: waiting for ${what}` : `**${state.status}**`);
  }

  /** Tells the customer, once per template and timeline step; a message that can never be sent is flagged for a person instead of blocking the order. */
  async function notify(template: NotificationTemplate, payload: Record<string, unknown> = {}) {
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

/** Tells staff about a flag once per flag and step; an alert that can never be sent must not stop the order. */
async function alertStaffOfFlag(run: OrderRun, flag: string, extra: TimelineExtra) {
  const { orderId, state } = run;
  try {
    await activities.alertStaff({
      dedupeKey: `flag:${orderId}:${flag}:${run.step}`,
      kind: 'order_flagged',
      orderId,
      subject: `Order ${orderId} flagged: ${flag}`,
      detail: { flag, status: state.status, reason: extra.reason ?? null, ...(extra.detail ?? {}) },
    });
  } catch (error) {
    // The flag is on the timeline already: staff still find it there.
    if (!permanentFailure(error)) throw error;
  }
}

/** An order's state when its workflow starts: received, nothing reserved, paid or shipped yet. */
function initialState(input: OrderWorkflowInput): OrderState {
  const { orderId } = input;
  return {
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
    production: null,
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
}

/** The timeline row for one step of the order, as the activity writes it. */
function timelineEntry(run: OrderRun, kind: TimelineKind, name: string, at: string, extra: TimelineExtra) {
  const { orderId, state } = run;
  return {
    orderId,
    seq: run.step,
    kind,
    name,
    status: state.status,
    actor: extra.actor ?? 'orchestrator',
    at,
    reason: extra.reason,
    detail: extra.detail,
    flags: [...state.flags],
    hold: extra.hold,
  };
}
