import { inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderResource } from '../../api/orders/order-resource.js';
import { latePaymentWorkflowId, orderWorkflowId } from '../../workflows/search-attributes.js';
import { payments, reservations, stockLots } from '../../db/schema.js';
import { getOrderStateQuery } from '../../workflows/messages.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asSupport, getOrder, postOrder, sendCarrierWebhook, sendPaymentWebhook } from '../support/http.js';
import { startGatedWorker, waitUntilIdle } from '../support/order-model.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // Short windows so delivered orders complete inside a run; the payment deadline and the grace stay out of the way.
  stack = await startTestStack({
    POLICY_PAYMENT_TIMEOUT: '1m',
    POLICY_RETURN_WINDOW: '2s',
    POLICY_SURVEY_WINDOW: '1s',
    SANDBOX_CARRIER_DAY: '1s',
    POLICY_DELIVERY_GRACE: '1h',
  });
  await stack.startWorker();
});
afterAll(() => stack.close());

// ── The model: what we expect each order's stage to be ─────────────────────────────────────────

/** The stages an order rests in between commands (`delivered` also stands for `completed`). */
type Stage = 'awaiting_payment' | 'awaiting_confirmation' | 'ready_to_ship' | 'shipped' | 'delivered' | 'cancelled';

interface ModelOrder {
  stage: Stage;
  review: boolean;
  paid: boolean;
  /** A person confirmed it (it may still wait for an extra payment). */
  confirmed: boolean;
  /** An edit raised the total of the paid order: the difference is asked for and not paid yet. */
  extraDue: boolean;
  /** An edit changed its lines (so money beyond the total may have been refunded by the edit). */
  edited: boolean;
  hasShipment: boolean;
  paymentsSent: number;
  trackingSent: number;
}
interface Model {
  orders: ModelOrder[];
}

// ── The real side: the orders this run placed and every webhook it sent ─────────────────────────

interface SentPayment {
  body: { id: string; transactionId: string; occurredAt: string };
  /** A second, different successful payment for an order already paid. */
  second: boolean;
  outcome: string;
  stageAtSend: Stage;
  sentAt: number;
}
interface SentTracking {
  type: 'picked_up' | 'delivered';
  body: { id: string; occurredAt: string };
}
interface RealOrder {
  id: string;
  sku: string;
  quantity: number;
  lotSizes: number[];
  order: OrderResource;
  payments: SentPayment[];
  tracking: SentTracking[];
  seenShipped: boolean;
  firstCancel: unknown;
  /** The open extra payment request of the last edit, if any. */
  extra: { intentId: string; amount: number } | null;
}
interface Real {
  orders: RealOrder[];
}

const MAX_ORDERS = 4;
/** Stock is committed (on hand went down) from `ready_to_ship` on. */
const COMMITTED = new Set(['ready_to_ship', 'shipped', 'delivered', 'completed']);
/** Stock is held (reserved) while the order waits for payment or a person. */
const HELD = new Set(['awaiting_payment', 'awaiting_confirmation']);

const stageOf = (status: string) => (status === 'completed' ? 'delivered' : status);

/** Index of the pick-th order (modulo) among those that match, or -1 when none does. */
function choose(model: Readonly<Model>, pick: number, matches: (order: ModelOrder) => boolean): number {
  const candidates = model.orders.flatMap((order, index) => (matches(order) ? [index] : []));
  return candidates.length === 0 ? -1 : candidates[pick % candidates.length]!;
}

/** A reviewed order ships once a person confirmed it and no extra payment an edit asked for is still open. */
function shipIfCleared(order: ModelOrder) {
  if (!order.confirmed || order.extraDue) return;
  order.stage = 'ready_to_ship';
  order.hasShipment = true;
}

const cancel = (orderId: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: asSupport,
    payload: { reason: 'customer changed their mind', requestedBy: 'model@support' },
  });
const confirm = (orderId: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/confirm`,
    headers: asSupport,
    payload: { confirmedBy: 'model@support' },
  });

// ── After every command: wait until the workflows are idle, then check the model and the invariants ─

async function settleAndCheck(model: Model, real: Real): Promise<void> {
  const ids = real.orders.map((order) => order.id);
  await waitUntilIdle(stack.client, ids);
  for (const order of real.orders) {
    order.order = await getOrder(stack.app, order.id);
    if (['shipped', 'delivered', 'completed'].includes(order.order.status)) order.seenShipped = true;
  }
  const skus = real.orders.map((order) => order.sku);
  const [lots, ledger, held] = await Promise.all([
    stack.db.select().from(stockLots).where(inArray(stockLots.sku, skus)),
    stack.db.select().from(payments).where(inArray(payments.orderId, ids)),
    stack.db.select().from(reservations).where(inArray(reservations.orderId, ids)),
  ]);

  real.orders.forEach((entry, index) => {
    const { order } = entry;
    const label = `order #${index} (${order.id}, ${order.status})`;
    const expected = model.orders[index]!;
    const total = order.pricing.total;
    const milestones = order.milestones.map((m) => m.name);
    const captures = ledger.filter((p) => p.orderId === order.id && p.kind === 'capture');
    const refunds = ledger.filter((p) => p.orderId === order.id && p.kind === 'refund');
    const sum = (rows: typeof ledger) => rows.reduce((acc, row) => acc + row.amount, 0);

    // The model is a guide: the stage we predicted is the stage the order rests in.
    expect(stageOf(order.status), label).toBe(expected.stage);
    // Every milestone happens at most once in an order's life.
    expect(new Set(milestones).size, `${label}: repeated milestones ${milestones.join(', ')}`).toBe(milestones.length);

    // 1. Nothing is cancelled after shipping.
    if (entry.seenShipped) expect(order.status, label).not.toBe('cancelled');

    // 2. At most one capture takes effect: one payment_captured milestone; more money than the total is always
    //    explained by a flag; and (since payment problems are refunded whole) the shop never keeps more than the total.
    expect(
      milestones.filter((name) => name === 'payment_captured'),
      label,
    ).toHaveLength(expected.paid ? 1 : 0);
    if (order.payment.amountPaid > total && !expected.edited)
      expect(order.flags, label).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^(duplicate_payment|payment_amount_mismatch|late_payment_refunded)$/),
        ]),
      );
    const kept = sum(captures) - sum(refunds);
    expect(kept, `${label}: money kept`).toBeLessThanOrEqual(total);
    const sentIds = new Set(entry.payments.map((p) => p.body.transactionId));
    for (const capture of captures)
      expect(sentIds.has(capture.transactionId), `${label}: capture ${capture.transactionId} nobody sent`).toBe(true);
    for (const payment of entry.payments.filter((p) => p.second && p.outcome === 'delivered')) {
      expect(
        captures.map((c) => c.transactionId),
        `${label}: second payment not in the ledger`,
      ).toContain(payment.body.transactionId);
      expect(order.flags, label).toContain('duplicate_payment');
    }

    // 3. Refunds never exceed payments.
    expect(sum(refunds), label).toBeLessThanOrEqual(sum(captures));
    expect(order.payment.amountRefunded, label).toBeLessThanOrEqual(order.payment.amountPaid);

    // 5. A cancelled order holds no stock and gave back every payment it took.
    if (order.status === 'cancelled') {
      const stillHeld = held.filter((r) => r.orderId === order.id && r.status !== 'released');
      expect(stillHeld, label).toEqual([]);
      expect(kept, `${label}: money kept after cancellation`).toBe(0);
      if (expected.paid)
        expect(order.payment, label).toMatchObject({ status: 'refunded', amountRefunded: order.payment.amountPaid });
    }
  });

  // 4. Stock: per lot never negative nor over-reserved; per product conserved.
  for (const lot of lots) {
    expect(lot.onHand, lot.lotCode).toBeGreaterThanOrEqual(0);
    expect(lot.reserved, lot.lotCode).toBeGreaterThanOrEqual(0);
    expect(lot.reserved, lot.lotCode).toBeLessThanOrEqual(lot.onHand);
    const reservedRows = held
      .filter((r) => r.lotId === lot.id && r.status === 'reserved')
      .reduce((acc, r) => acc + r.quantity, 0);
    expect(lot.reserved, `${lot.lotCode}: reservations`).toBe(reservedRows);
  }
  for (const { sku, quantity, lotSizes, order } of real.orders) {
    const mine = lots.filter((lot) => lot.sku === sku);
    const onHand = mine.reduce((acc, lot) => acc + lot.onHand, 0);
    const reserved = mine.reduce((acc, lot) => acc + lot.reserved, 0);
    const initial = lotSizes.reduce((acc, size) => acc + size, 0);
    expect({ sku, status: order.status, onHand, reserved }).toEqual({
      sku,
      status: order.status,
      onHand: initial - (COMMITTED.has(order.status) ? quantity : 0),
      reserved: HELD.has(order.status) ? quantity : 0,
    });
  }

  // The workflow's own view agrees with the read model.
  for (const { id, order } of real.orders) {
    const handle = stack.client.workflow.getHandle(orderWorkflowId(id));
    if ((await handle.describe()).status.name !== 'RUNNING') continue;
    const state = await handle.query(getOrderStateQuery);
    // A delivered order may complete (by timer) between reading it and asking its workflow.
    expect(stageOf(state.status), id).toBe(stageOf(order.status));
    // The workflow's own account of the money matches the ledger.
    expect({ paid: state.payment.amountPaid, refunded: state.payment.amountRefunded }, id).toEqual({
      paid: order.payment.amountPaid,
      refunded: order.payment.amountRefunded,
    });
  }
}

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────

type OrderCommand = fc.AsyncCommand<Model, Real>;

class PlaceOrder implements OrderCommand {
  constructor(
    readonly quantity: number,
    readonly lotSizes: number[],
  ) {}
  check = (model: Readonly<Model>) => model.orders.length < MAX_ORDERS;
  async run(model: Model, real: Real) {
    const sku = await createProduct(stack.db, { priceMinor: 1_000, lots: this.lotSizes.map((onHand) => ({ onHand })) });
    const response = await postOrder(stack.app, orderRequest([{ sku, quantity: this.quantity }]));
    expect(response.statusCode, response.body).toBe(201);
    const placed = response.json() as OrderResource;
    const review = this.quantity > 20;
    expect(placed.review).toEqual(
      review ? { required: true, reasons: ['many_units_of_one_sku'] } : { required: false, reasons: [] },
    );
    model.orders.push({
      stage: 'awaiting_payment',
      review,
      paid: false,
      confirmed: false,
      extraDue: false,
      edited: false,
      hasShipment: false,
      paymentsSent: 0,
      trackingSent: 0,
    });
    real.orders.push({
      id: placed.id,
      sku,
      quantity: this.quantity,
      lotSizes: this.lotSizes,
      order: placed,
      payments: [],
      tracking: [],
      seenShipped: false,
      firstCancel: null,
      extra: null,
    });
    await settleAndCheck(model, real);
  }
  toString = () => `place(${this.quantity} units, lots ${this.lotSizes.join('+')})`;
}

/** Sends a new successful payment for the full total: the first pays the order, any later one is a duplicate. */
async function sendNewPayment(real: Real, index: number, second: boolean, stage: Stage) {
  const target = real.orders[index]!;
  const body = { id: `evt_${uniqueTag()}`, transactionId: `txn_${uniqueTag()}`, occurredAt: new Date().toISOString() };
  const response = await sendPaymentWebhook(stack.app, target.order, body);
  expect(response.statusCode, response.body).toBe(202);
  expect(response.json()).toMatchObject({ received: true, duplicate: false });
  const { outcome } = response.json() as { outcome: string };
  target.payments.push({ body, second, outcome, stageAtSend: stage, sentAt: Date.now() });
  return outcome;
}

class PayInFull implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.stage === 'awaiting_payment') >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.stage === 'awaiting_payment');
    const expected = model.orders[this.target]!;
    expect(await sendNewPayment(real, this.target, false, expected.stage)).toBe('delivered');
    expected.paid = true;
    expected.paymentsSent += 1;
    expected.stage = expected.review ? 'awaiting_confirmation' : 'ready_to_ship';
    expected.hasShipment = !expected.review;
    await settleAndCheck(model, real);
  }
  toString = () => `pay(#${this.target})`;
}

class SecondPayment implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.paid) >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.paid);
    const expected = model.orders[this.target]!;
    const outcome = await sendNewPayment(real, this.target, true, expected.stage);
    // A payment for an ended order (cancelled, completed) is refunded by a workflow of its own.
    // (A delivered order may have completed since we last looked.)
    const outcomes =
      expected.stage === 'cancelled'
        ? ['refunding_late_payment']
        : expected.stage === 'delivered'
          ? ['delivered', 'refunding_late_payment']
          : ['delivered'];
    expect(outcomes).toContain(outcome);
    if (outcome === 'refunding_late_payment')
      await stack.client.workflow
        .getHandle(latePaymentWorkflowId(real.orders[this.target]!.payments.at(-1)!.body.id))
        .result();
    expected.paymentsSent += 1;
    await settleAndCheck(model, real);
  }
  toString = () => `second-payment(#${this.target})`;
}

class RepeatPayment implements OrderCommand {
  target = -1;
  constructor(
    readonly pick: number,
    readonly which: number,
  ) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.paymentsSent > 0) >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.paymentsSent > 0);
    const target = real.orders[this.target]!;
    const earlier = target.payments[this.which % target.payments.length]!;
    const response = await sendPaymentWebhook(stack.app, target.order, earlier.body);
    expect(response.statusCode, response.body).toBe(202);
    // Same event id and body: no second effect, and the answer of the first delivery.
    expect(response.json()).toEqual({ received: true, duplicate: true, outcome: earlier.outcome });
    await settleAndCheck(model, real);
  }
  toString = () => `repeat-payment(#${this.target}, ${this.which})`;
}

class Confirm implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.stage === 'awaiting_confirmation') >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.stage === 'awaiting_confirmation');
    const response = await confirm(real.orders[this.target]!.id);
    expect(response.statusCode, response.body).toBe(200);
    const expected = model.orders[this.target]!;
    expected.confirmed = true;
    shipIfCleared(expected);
    await settleAndCheck(model, real);
  }
  toString = () => `confirm(#${this.target})`;
}

class ConfirmRefused implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.stage !== 'awaiting_confirmation') >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.stage !== 'awaiting_confirmation');
    const response = await confirm(real.orders[this.target]!.id);
    expect(response.statusCode, response.body).toBe(409);
    await settleAndCheck(model, real);
  }
  toString = () => `confirm-refused(#${this.target})`;
}

class Cancel implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.orders.length > 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, () => true);
    const expected = model.orders[this.target]!;
    const target = real.orders[this.target]!;
    const response = await cancel(target.id);
    if (expected.stage === 'shipped' || expected.stage === 'delivered') {
      // 1. Once the carrier has the parcel a cancellation is refused.
      expect(response.statusCode, response.body).toBe(409);
    } else if (expected.stage === 'cancelled') {
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual(target.firstCancel);
    } else {
      expect(response.statusCode, response.body).toBe(200);
      // Exactly the money we hold goes back: the payment, less what edits refunded, plus captured extra payments.
      expect(response.json()).toMatchObject({
        orderId: target.id,
        status: 'cancelled',
        refunded: target.order.payment.amountPaid - target.order.payment.amountRefunded,
      });
      expect(response.json().undone).toContain('stock_released');
      target.firstCancel = response.json();
      expected.stage = 'cancelled';
    }
    await settleAndCheck(model, real);
  }
  toString = () => `cancel(#${this.target})`;
}

const hasShipment = (o: ModelOrder) => o.hasShipment;

class Tracking implements OrderCommand {
  target = -1;
  constructor(
    readonly pick: number,
    readonly type: SentTracking['type'],
  ) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, hasShipment) >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, hasShipment);
    const expected = model.orders[this.target]!;
    const target = real.orders[this.target]!;
    const body = { id: `trk_${uniqueTag()}`, occurredAt: new Date().toISOString() };
    const response = await sendCarrierWebhook(stack.app, target.order.shipment!, this.type, body);
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ duplicate: false });
    target.tracking.push({ type: this.type, body });
    expected.trackingSent += 1;
    // A cancelled order's parcel stays cancelled; otherwise tracking only ever moves forward.
    if (expected.stage === 'ready_to_ship' || expected.stage === 'shipped')
      expected.stage = this.type === 'delivered' ? 'delivered' : 'shipped';
    await settleAndCheck(model, real);
  }
  toString = () => `carrier-${this.type}(#${this.target})`;
}

class RepeatTracking implements OrderCommand {
  target = -1;
  constructor(
    readonly pick: number,
    readonly which: number,
  ) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.trackingSent > 0) >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.trackingSent > 0);
    const target = real.orders[this.target]!;
    const earlier = target.tracking[this.which % target.tracking.length]!;
    const response = await sendCarrierWebhook(stack.app, target.order.shipment!, earlier.type, earlier.body);
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ received: true, duplicate: true });
    await settleAndCheck(model, real);
  }
  toString = () => `repeat-carrier(#${this.target}, ${this.which})`;
}

const edit = (orderId: string, body: Record<string, unknown>) =>
  stack.app.inject({
    method: 'PATCH',
    url: `/v1/orders/${orderId}`,
    headers: asSupport,
    payload: { requestedBy: 'model@support', ...body },
  });

/** Lines may change until confirmation; the order's own stock counts, so up to the 30 units of its product. */
class EditQuantity implements OrderCommand {
  target = -1;
  constructor(
    readonly pick: number,
    readonly quantity: number,
  ) {}
  check = (model: Readonly<Model>) => model.orders.length > 0;
  async run(model: Model, real: Real) {
    // Mostly orders whose lines may still change; the rest of the time, any order (and a refusal).
    const open = (o: ModelOrder) => o.stage === 'awaiting_payment' || o.stage === 'awaiting_confirmation';
    this.target =
      this.pick % 4 !== 3 && choose(model, this.pick, open) >= 0
        ? choose(model, this.pick, open)
        : choose(model, this.pick, () => true);
    const expected = model.orders[this.target]!;
    const target = real.orders[this.target]!;
    const before = target.order;
    const response = await edit(target.id, { lines: [{ sku: target.sku, quantity: this.quantity }] });
    const editable = expected.stage === 'awaiting_payment' || expected.stage === 'awaiting_confirmation';
    if (!editable || expected.extraDue || this.quantity > 30) {
      expect(response.statusCode, response.body).toBe(409);
      await settleAndCheck(model, real);
      expect(target.order.pricing, 'a refused edit changes nothing').toEqual(before.pricing);
      return;
    }
    expect(response.statusCode, response.body).toBe(200);
    const { total, settlement } = response.json();
    const held = before.payment.amountPaid - before.payment.amountRefunded;
    // The difference is settled: before payment the amount due moves, after it money goes back or is asked for.
    if (!expected.paid) expect(settlement).toEqual({ kind: 'amount_due_changed', amountDue: total });
    else if (total < held) expect(settlement).toEqual({ kind: 'refunded', amount: held - total });
    else if (total > held) expect(settlement).toMatchObject({ kind: 'extra_payment_requested', amount: total - held });
    else expect(settlement).toEqual({ kind: 'none' });
    target.quantity = this.quantity;
    target.extra =
      settlement.kind === 'extra_payment_requested'
        ? { intentId: settlement.intentId, amount: settlement.amount }
        : null;
    expected.extraDue = target.extra !== null;
    expected.edited = true;
    // Review is decided again before payment; an order already waiting for a person keeps waiting.
    if (!expected.paid) expected.review = this.quantity > 20;
    await settleAndCheck(model, real);
    expect(target.order.lines.map((line) => line.quantity)).toEqual([this.quantity]);
  }
  toString = () => `edit-quantity(#${this.target}, ${this.quantity})`;
}

class PayExtra implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => choose(model, this.pick, (o) => o.extraDue && o.stage !== 'cancelled') >= 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, (o) => o.extraDue && o.stage !== 'cancelled');
    const expected = model.orders[this.target]!;
    const target = real.orders[this.target]!;
    const body = {
      id: `evt_${uniqueTag()}`,
      transactionId: `txn_${uniqueTag()}`,
      occurredAt: new Date().toISOString(),
      paymentIntentId: target.extra!.intentId,
      amount: target.extra!.amount,
    };
    const response = await sendPaymentWebhook(stack.app, target.order, body);
    expect(response.json()).toMatchObject({ received: true, duplicate: false, outcome: 'delivered' });
    target.payments.push({
      body,
      second: false,
      outcome: 'delivered',
      stageAtSend: expected.stage,
      sentAt: Date.now(),
    });
    target.extra = null;
    expected.extraDue = false;
    expected.paymentsSent += 1;
    shipIfCleared(expected);
    await settleAndCheck(model, real);
  }
  toString = () => `pay-extra(#${this.target})`;
}

/** The address may change until the carrier has the parcel. */
class EditAddress implements OrderCommand {
  target = -1;
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.orders.length > 0;
  async run(model: Model, real: Real) {
    this.target = choose(model, this.pick, () => true);
    const expected = model.orders[this.target]!;
    const target = real.orders[this.target]!;
    const shippingAddress = {
      recipient: 'Model Customer',
      phone: '+49 40 1234567',
      country: 'DE',
      region: 'Hamburg',
      city: 'Hamburg',
      line1: `Jungfernstieg ${1 + (this.pick % 9)}`,
      postalCode: '20354',
    };
    const response = await edit(target.id, { shippingAddress });
    const open =
      expected.stage === 'awaiting_payment' ||
      expected.stage === 'awaiting_confirmation' ||
      expected.stage === 'ready_to_ship';
    expect(response.statusCode, response.body).toBe(open ? 200 : 409);
    if (open) expect(response.json()).toMatchObject({ changed: ['shipping_address'], settlement: { kind: 'none' } });
    await settleAndCheck(model, real);
  }
  toString = () => `edit-address(#${this.target})`;
}

const pick = fc.nat({ max: 7 });
const placeOrder = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 21, max: 24 })),
    fc.constantFrom<number[]>([30], [12, 18]),
  )
  .map(([quantity, lots]) => new PlaceOrder(quantity, lots));
// Weighted so the steps that move an order forward come up more often than cancelling or refused confirmations.
const anyCommand: fc.Arbitrary<OrderCommand> = fc.oneof(
  { weight: 2, arbitrary: placeOrder },
  { weight: 4, arbitrary: pick.map((p) => new PayInFull(p)) },
  { weight: 2, arbitrary: pick.map((p) => new SecondPayment(p)) },
  { weight: 1, arbitrary: fc.tuple(pick, pick).map(([p, w]) => new RepeatPayment(p, w)) },
  { weight: 3, arbitrary: pick.map((p) => new Confirm(p)) },
  { weight: 1, arbitrary: pick.map((p) => new ConfirmRefused(p)) },
  { weight: 2, arbitrary: pick.map((p) => new Cancel(p)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(pick, fc.constantFrom('picked_up' as const, 'delivered' as const))
      .map(([p, type]) => new Tracking(p, type)),
  },
  { weight: 2, arbitrary: fc.tuple(pick, pick).map(([p, w]) => new RepeatTracking(p, w)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        pick,
        fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 21, max: 24 }), fc.integer({ min: 31, max: 33 })),
      )
      .map(([p, q]) => new EditQuantity(p, q)),
  },
  { weight: 4, arbitrary: pick.map((p) => new PayExtra(p)) },
  { weight: 1, arbitrary: pick.map((p) => new EditAddress(p)) },
);
// Commands whose precondition does not hold are skipped: about half run, so a run executes up to ~10.
const commands = fc.commands<Model, Real, false>([anyCommand], { maxCommands: 20, size: 'max' });

describe('order model: real orders driven through HTTP and signed webhooks', () => {
  it('keeps stock, money and stages consistent whatever the order of events', async () => {
    await fc.assert(
      // Every run starts with one order placed, so the first commands have something to act on.
      fc.asyncProperty(placeOrder, fc.limitShrink(commands, 15), async (first, cmds) => {
        const setup = async () => {
          const model: Model = { orders: [] };
          const real: Real = { orders: [] };
          await first.run(model, real);
          return { model, real };
        };
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 10) },
    );
  }, 600_000);
});

describe('order model: paid orders waiting for a person, edited', () => {
  // The general run seldom reaches a paid order under review before something else happens to it; this one starts there.
  const reviewCommands = fc.commands<Model, Real, false>(
    [
      fc
        .tuple(
          pick,
          fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 21, max: 28 }), fc.integer({ min: 31, max: 33 })),
        )
        .map(([p, q]) => new EditQuantity(p, q)),
      pick.map((p) => new PayExtra(p)),
      pick.map((p) => new Confirm(p)),
      pick.map((p) => new Cancel(p)),
      pick.map((p) => new SecondPayment(p)),
      pick.map((p) => new EditAddress(p)),
      fc
        .tuple(pick, fc.constantFrom('picked_up' as const, 'delivered' as const))
        .map(([p, type]) => new Tracking(p, type)),
    ],
    { maxCommands: 8, size: 'max' },
  );

  it('settles every price difference: refunds, extra payments, cancellation with extras', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 21, max: 24 }), fc.limitShrink(reviewCommands, 10), async (quantity, cmds) => {
        const setup = async () => {
          const model: Model = { orders: [] };
          const real: Real = { orders: [] };
          await new PlaceOrder(quantity, [30]).run(model, real);
          await new PayInFull(0).run(model, real);
          return { model, real };
        };
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 6) },
    );
  }, 600_000);
});

describe('a second payment while the order awaits a person', () => {
  // Found by the model test: the workflow does not read payments while it waits for a person, and a cancellation
  // there used to end it without draining them (202 `delivered`, then no ledger row, no flag, no refund). Fixed in
  // fcc1cad (finish() handles queued payments before compensating); kept as a regression test.
  it('is recorded, flagged and refunded when the order is then cancelled', async () => {
    const sku = await createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 30 }] });
    const placed = await postOrder(stack.app, orderRequest([{ sku, quantity: 21 }]));
    expect(placed.statusCode).toBe(201);
    const orderId = placed.json().id as string;
    await waitUntilIdle(stack.client, [orderId]);
    const order = await getOrder(stack.app, orderId);
    expect((await sendPaymentWebhook(stack.app, order)).json()).toMatchObject({
      duplicate: false,
      outcome: 'delivered',
    });
    await waitUntilIdle(stack.client, [orderId]);
    expect((await getOrder(stack.app, orderId)).status).toBe('awaiting_confirmation');

    const second = await sendPaymentWebhook(stack.app, order);
    expect(second.json()).toEqual({ received: true, duplicate: false, outcome: 'delivered' });
    await waitUntilIdle(stack.client, [orderId]);
    expect((await cancel(orderId)).statusCode).toBe(200);
    await waitUntilIdle(stack.client, [orderId]);

    const cancelled = await getOrder(stack.app, orderId);
    expect(cancelled.status).toBe('cancelled');
    const ledger = await stack.db
      .select()
      .from(payments)
      .where(inArray(payments.orderId, [orderId]));
    const captured = ledger.filter((p) => p.kind === 'capture').reduce((acc, p) => acc + p.amount, 0);
    const refunded = ledger.filter((p) => p.kind === 'refund').reduce((acc, p) => acc + p.amount, 0);
    expect({ captured, refunded, flags: cancelled.flags }).toEqual({
      captured: 2 * order.pricing.total,
      refunded: 2 * order.pricing.total,
      flags: expect.arrayContaining(['duplicate_payment']),
    });
  });
});

describe('a second payment arriving as the order completes', () => {
  let held: TestStack;
  let worker: Awaited<ReturnType<typeof startGatedWorker>>;
  beforeAll(async () => {
    held = await startTestStack({
      POLICY_RETURN_WINDOW: '1s',
      POLICY_SURVEY_WINDOW: '1s',
      SANDBOX_CARRIER_DAY: '1s',
      POLICY_DELIVERY_GRACE: '1h',
    });
    // The last activity before completion waits for us: that is the window the property test can only hit by chance.
    worker = await startGatedWorker(held, 'creditEarnedPoints');
  });
  afterAll(async () => {
    await worker.stop();
    await held.close();
  });

  // Regression: a payment signalled between the end of the return window and completion used to be lost
  // (202 `delivered`, then no ledger row, no flag, no refund). The workflow now drains its payment inbox as it ends.
  it('is recorded, flagged and refunded whole', async () => {
    const sku = await createProduct(held.db, { priceMinor: 1_000, lots: [{ onHand: 10 }] });
    const orderId = (await postOrder(held.app, orderRequest([{ sku, quantity: 1 }]))).json().id as string;
    await waitUntilIdle(held.client, [orderId]);
    const order = await getOrder(held.app, orderId);
    expect((await sendPaymentWebhook(held.app, order)).json()).toMatchObject({ outcome: 'delivered' });
    await waitUntilIdle(held.client, [orderId]);
    const ready = await getOrder(held.app, orderId);
    expect((await sendCarrierWebhook(held.app, ready.shipment!, 'delivered')).statusCode).toBe(202);

    const handle = held.client.workflow.getHandle(orderWorkflowId(orderId));
    await expect
      .poll(async () => ((await handle.describe()).raw.pendingActivities ?? []).map((a) => a.activityType?.name), {
        timeout: 15_000,
        interval: 50,
      })
      .toContain('creditEarnedPoints');
    const second = await sendPaymentWebhook(held.app, order);
    expect(second.json()).toEqual({ received: true, duplicate: false, outcome: 'delivered' });
    worker.release();
    await handle.result();

    const completed = await getOrder(held.app, orderId);
    expect(completed.status).toBe('completed');
    const ledger = await held.db
      .select()
      .from(payments)
      .where(inArray(payments.orderId, [orderId]));
    const captured = ledger.filter((p) => p.kind === 'capture').reduce((acc, p) => acc + p.amount, 0);
    const refunded = ledger.filter((p) => p.kind === 'refund').reduce((acc, p) => acc + p.amount, 0);
    // Today: captured = one total, refunded = 0, no flag; the second payment is only in webhook_events.
    expect({ captured, refunded, flags: completed.flags }).toEqual({
      captured: 2 * order.pricing.total,
      refunded: order.pricing.total,
      flags: expect.arrayContaining(['duplicate_payment']),
    });
  });
});
