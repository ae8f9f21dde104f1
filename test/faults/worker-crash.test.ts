import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cancelledEffects, shippedEffects } from '../support/effects.js';
import { startFaultStack, type FaultStack } from '../support/fault-stack.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asSupport, getOrder, payInFull, postOrder, sendPaymentWebhook, waitForStatus } from '../support/http.js';
import type { WorkerLine } from '../support/worker-process.js';

const SHIPPED = [
  'order_received',
  'order_verified',
  'stock_reserved',
  'payment_captured',
  'order_confirmed',
  'shipment_booked',
];
const CANCELLED_IN_REVIEW = [
  'order_received',
  'order_verified',
  'stock_reserved',
  'payment_captured',
  'confirmation_requested',
  'order_cancelled',
];
// A killed worker's activities are retried once their 30 s start-to-close timeout has passed.
const RECOVERY_MS = 90_000;

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ temporalAddress: inject('temporalAddress'), databaseUrl: inject('databaseUrl') });
});
afterAll(() => stack?.close());

const stalledAfter = (activity: string, orderId: string) => (line: WorkerLine) =>
  line.phase === 'stalled-after' && line.activity === activity && line.orderId === orderId;

it(
  "loses and doubles nothing when the worker is SIGKILLed between activities' effects and their completion",
  { timeout: 180_000 },
  async () => {
    const first = await stack.startWorker();
    const skus = await Promise.all(
      Array.from({ length: 8 }, () => createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 30 }] })),
    );
    const [bookedSku, committedSku, invoicedSku, reviewedSku, reservingSku, waitingSku, creditedSku, recordedSku] =
      skus as [string, string, string, string, string, string, string, string];
    // The reservation is held by SKU: the order has no id yet when its workflow reserves.
    stack.stall([{ activity: 'reserveStock', match: reservingSku, at: 'after' }]);
    const place = async (sku: string, quantity: number) => {
      const placed = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
      expect(placed.statusCode).toBe(201);
      return placed.json().id as string;
    };
    const [booked, committed, invoiced, reviewed, reserving, waiting, credited, recorded] = await Promise.all([
      place(bookedSku, 2),
      place(committedSku, 2),
      place(invoicedSku, 2),
      place(reviewedSku, 25),
      place(reservingSku, 3),
      place(waitingSku, 1),
      place(creditedSku, 2),
      place(recordedSku, 2),
    ]);
    stack.stall([
      { activity: 'reserveStock', match: reservingSku, at: 'after' },
      { activity: 'bookShipment', match: booked, at: 'after' },
      { activity: 'commitStock', match: committed, at: 'after' },
      { activity: 'issueInvoice', match: invoiced, at: 'after' },
      { activity: 'refundPayment', match: reviewed, at: 'after' },
      { activity: 'issueCreditNote', match: credited, at: 'after' },
      // A timeline write is a local activity: it runs again when the new worker replays the unfinished workflow task.
      { activity: 'recordOrderProgress', match: [recorded, '"name":"payment_captured"'], at: 'after' },
    ]);
    const cancel = (id: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/orders/${id}/cancel`,
        headers: { ...asSupport, 'idempotency-key': `fault-cancel-${id}` },
        payload: { reason: 'customer called', requestedBy: 'sam@support' },
      });

    // One order ships and is then cancelled: its credit note is the effect in flight, after the booking was cancelled, the stock put back and the money refunded.
    await payInFull(stack.app, credited);
    await waitForStatus(stack.app, credited, 'ready_to_ship');
    const cancellingShipped = cancel(credited);

    // The reviewed order is paid, then cancelled: its refund is the effect in flight.
    await payInFull(stack.app, reviewed);
    await waitForStatus(stack.app, reviewed, 'awaiting_confirmation');
    const cancellingReviewed = cancel(reviewed);
    for (const id of [booked, committed, invoiced, recorded]) await payInFull(stack.app, id);
    await waitForStatus(stack.app, waiting, 'awaiting_payment');

    const inFlight: Array<[string, string]> = [
      ['reserveStock', reserving],
      ['bookShipment', booked],
      ['commitStock', committed],
      ['issueInvoice', invoiced],
      ['refundPayment', reviewed],
      ['issueCreditNote', credited],
      ['recordOrderProgress', recorded],
    ];
    await Promise.all(
      inFlight.map(([activity, orderId]) =>
        first.waitFor(stalledAfter(activity, orderId), `${activity} of ${orderId} done and held`),
      ),
    );
    await first.kill();

    // With no worker at all, the API still takes a payment for the waiting order.
    const waitingOrder = await getOrder(stack.app, waiting);
    expect((await sendPaymentWebhook(stack.app, waitingOrder)).statusCode).toBe(202);

    stack.stall([]);
    const second = await stack.startWorker();
    await Promise.all([
      ...[booked, committed, invoiced, waiting, recorded].map((id) =>
        waitForStatus(stack.app, id, 'ready_to_ship', RECOVERY_MS),
      ),
      ...[reviewed, credited].map((id) => waitForStatus(stack.app, id, 'cancelled', RECOVERY_MS)),
      waitForStatus(stack.app, reserving, 'awaiting_payment', RECOVERY_MS)
        .then(() => payInFull(stack.app, reserving))
        .then(() => waitForStatus(stack.app, reserving, 'ready_to_ship', RECOVERY_MS)),
    ]);
    // Each activity the crash interrupted ran again on the new worker (an activity as its next attempt, the timeline write
    // when the workflow task was replayed): the second run found its effect and did not repeat it.
    const ranAgain = ([activity, orderId]: [string, string]) =>
      second.lines.some(
        (line) =>
          line.phase === 'done' &&
          line.activity === activity &&
          line.orderId === orderId &&
          (line.local ? line.name === 'payment_captured' : (line.attempt ?? 1) > 1),
      );
    expect(inFlight.filter((call) => !ranAgain(call))).toEqual([]);

    // The cancel requests waited through the crash (an API with deadlines says "try again" instead; the retry gets the recorded outcome).
    const answerOf = async (id: string, pending: ReturnType<typeof cancel>) => {
      const first = await pending;
      if (first.statusCode === 200) return first;
      expect([503, 504]).toContain(first.statusCode);
      return cancel(id);
    };
    const reviewedOrder = await getOrder(stack.app, reviewed);
    const reviewedAnswer = await answerOf(reviewed, cancellingReviewed);
    expect(reviewedAnswer.statusCode).toBe(200);
    expect(reviewedAnswer.json()).toMatchObject({
      status: 'cancelled',
      refunded: reviewedOrder.pricing.total,
      undone: ['stock_released', 'payment_refunded'],
    });
    const creditedOrder = await getOrder(stack.app, credited);
    const creditedAnswer = await answerOf(credited, cancellingShipped);
    expect(creditedAnswer.statusCode).toBe(200);
    expect(creditedAnswer.json()).toMatchObject({
      status: 'cancelled',
      refunded: creditedOrder.pricing.total,
      undone: ['shipment_cancelled', 'stock_released', 'payment_refunded', 'invoice_credited'],
      creditNote: expect.stringMatching(/^CN-/),
    });

    for (const [id, sku, quantity] of [
      [booked, bookedSku, 2],
      [committed, committedSku, 2],
      [invoiced, invoicedSku, 2],
      [reserving, reservingSku, 3],
      [waiting, waitingSku, 1],
      [recorded, recordedSku, 2],
    ] as const) {
      const order = await getOrder(stack.app, id);
      expect(await stack.effects({ id, sku, intentId: order.payment.intentId }), id).toEqual(
        shippedEffects({ quantity, onHand: 30, total: order.pricing.total, milestones: SHIPPED }),
      );
    }
    expect(await stack.effects({ id: reviewed, sku: reviewedSku, intentId: reviewedOrder.payment.intentId })).toEqual(
      cancelledEffects({
        quantity: 25,
        onHand: 30,
        paid: reviewedOrder.pricing.total,
        milestones: CANCELLED_IN_REVIEW,
      }),
    );
    // Shipped, then cancelled: the booking cancelled once, the goods back on the shelf, one refund, one credit note for the one invoice.
    const shipped = shippedEffects({
      quantity: 2,
      onHand: 30,
      total: creditedOrder.pricing.total,
      milestones: [...SHIPPED, 'order_cancelled'],
    });
    expect(await stack.effects({ id: credited, sku: creditedSku, intentId: creditedOrder.payment.intentId })).toEqual({
      ...shipped,
      reservations: { units: 2, statuses: ['released'] },
      stock: [{ onHand: 30, reserved: 0 }],
      ledger: [...shipped.ledger, `refund ${creditedOrder.pricing.total}`],
      shipments: ['cancelled'],
      invoices: ['invoice', 'credit_note'],
      notifications: [...shipped.notifications, 'order_cancelled'],
      provider: { bookings: 1, cancellations: 1, refunds: [`refund ${creditedOrder.pricing.total}`] },
    });
  },
);
