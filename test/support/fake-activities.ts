import type { OrderActivities } from '../../activities/index.js';
import type { Shortage } from '../../domain/order-lines.js';

/** What the outside world does for one order in a workflow-level test. */
export interface FakeWorld {
  /** Problems verifyContactInfo reports until a correction or edit arrives (none: contact is fine). */
  contactProblems: Array<{ path: string; message: string }>;
  /** Shortages reserveStock reports; emptied to let a later reservation succeed. */
  shortages: Shortage[];
  /** When the carrier expects to deliver, relative to booking. */
  etaInMs: number;
  /** Every activity call, in order, with its input. */
  calls: Array<{ name: keyof OrderActivities; input: unknown }>;
}

/**
 * In-memory activities for workflow-level tests: each order's world is set up by the test, every
 * call is kept for its assertions, and answers come at once, so deadlines of milliseconds can be tested.
 */
export function createFakeActivities() {
  const worlds = new Map<string, FakeWorld>();
  const worldOf = (orderId: string) => {
    let world = worlds.get(orderId);
    if (!world) {
      world = { contactProblems: [], shortages: [], etaInMs: 60_000, calls: [] };
      worlds.set(orderId, world);
    }
    return world;
  };
  const kept = (name: keyof OrderActivities, input: { orderId?: string; parentOrderId?: string }) => {
    const world = worldOf(input.orderId ?? input.parentOrderId!);
    world.calls.push({ name, input });
    return world;
  };
  const activities: OrderActivities = {
    async verifyOrder(input) {
      kept('verifyOrder', input);
      return { ok: true };
    },
    async verifyContactInfo(input) {
      const { contactProblems } = kept('verifyContactInfo', input);
      return { ok: contactProblems.length === 0, problems: contactProblems };
    },
    async applyInfoCorrection(input) {
      kept('applyInfoCorrection', input).contactProblems = [];
    },
    async reserveStock(input) {
      const { shortages } = kept('reserveStock', input);
      if (shortages.length > 0) return { ok: false, shortages };
      const allocations = input.lines.map((line) => ({
        lineNo: line.lineNo,
        sku: line.sku,
        lotId: 1,
        warehouseId: 'WH-TEST',
        quantity: line.quantity,
      }));
      return { ok: true, allocations };
    },
    async reviseReservation(input) {
      kept('reviseReservation', input);
      return { ok: true, allocations: [] };
    },
    async releaseStock(input) {
      kept('releaseStock', input);
      return { releasedUnits: 1 };
    },
    async commitStock(input) {
      kept('commitStock', input);
      return { committedUnits: 1 };
    },
    async restockReturnedGoods(input) {
      kept('restockReturnedGoods', input);
      return { restockedUnits: 1 };
    },
    async createBackorder(input) {
      kept('createBackorder', input);
      throw new Error('back-orders are not part of the workflow-level tests');
    },
    async priceOrderLines(input) {
      kept('priceOrderLines', input);
      return { ok: false, problems: [{ path: ['lines'], message: 'not priced in workflow-level tests' }] };
    },
    async applyOrderEdit(input) {
      kept('applyOrderEdit', input);
      return { pointsReturned: 0 };
    },
    async createPaymentIntent(input) {
      kept('createPaymentIntent', input);
      return { intentId: `pi_${input.orderId}_${input.reference ?? 'order'}` };
    },
    async amendPaymentIntent(input) {
      return { intentId: input.intentId };
    },
    async recordPaymentEvent(input) {
      kept('recordPaymentEvent', input);
      return { recorded: true };
    },
    async refundPayment(input) {
      kept('refundPayment', input);
      return { refundId: `re_${input.idempotencyKey}` };
    },
    async returnRedeemedPoints(input) {
      kept('returnRedeemedPoints', input);
      return { returnedPoints: 0 };
    },
    async creditEarnedPoints(input) {
      kept('creditEarnedPoints', input);
      return { creditedPoints: 0 };
    },
    async bookShipment(input) {
      const { etaInMs } = kept('bookShipment', input);
      return {
        carrierId: 'TEST',
        service: 'standard',
        trackingNumber: `TRK-${input.orderId}`,
        eta: new Date(Date.parse(input.now) + etaInMs).toISOString(),
        cost: 0,
        meetsDeadline: true,
      };
    },
    async cancelShipment(input) {
      kept('cancelShipment', input);
      return { cancelled: true };
    },
    async redirectShipment(input) {
      kept('redirectShipment', input);
      return { redirected: true };
    },
    async recordShipmentEvent(input) {
      kept('recordShipmentEvent', input);
      return { status: input.type };
    },
    async issueInvoice(input) {
      kept('issueInvoice', input);
      return { number: `INV-${input.orderId}`, total: 0, currency: 'EUR', contentHash: 'test' };
    },
    async deliverInvoice(input) {
      kept('deliverInvoice', input);
      return { sent: true };
    },
    async issueCreditNote(input) {
      kept('issueCreditNote', input);
      return { number: `CN-${input.orderId}`, total: 0, currency: 'EUR', contentHash: 'test' };
    },
    async notifyCustomer(input) {
      kept('notifyCustomer', input);
      return { sent: true };
    },
    async sendSurvey(input) {
      kept('sendSurvey', input);
      return { sent: true };
    },
    async recordFeedback(input) {
      kept('recordFeedback', input);
      return { recorded: true };
    },
    async recordOrderProgress(entry) {
      kept('recordOrderProgress', entry);
    },
    async flagEndedOrder(input) {
      kept('flagEndedOrder', input);
      return { flagged: true };
    },
    async planProduction(input) {
      kept('planProduction', input);
      return { jobs: [], promisedDate: input.now.slice(0, 10), materialOrders: [], replanned: [] };
    },
    async cancelProduction(input) {
      kept('cancelProduction', input);
      return { cancelledJobs: [], replanned: [] };
    },
    async replaceScrappedJob(input) {
      kept('replaceScrappedJob', input);
      const job = { id: `${input.jobId}-R1`, sku: 'TEST', quantity: 1, workCentre: 'WC-TEST', lineNo: 1 };
      return {
        job: { ...job, plannedStart: input.now, plannedEnd: input.now },
        promisedDate: input.now.slice(0, 10),
        materialOrders: [],
        replanned: [],
      };
    },
    async finishProduction(input) {
      kept('finishProduction', input);
      return { consumed: 0 };
    },
  };
  return { activities, worldOf };
}
