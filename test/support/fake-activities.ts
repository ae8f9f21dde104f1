import type { OrderActivities } from '../../activities/index.js';
import type { Shortage } from '../../domain/order-lines.js';

type ReserveInput = Parameters<OrderActivities['reserveStock']>[0];

/** What the outside world does for one order in a workflow-level test. */
export interface FakeWorld {
  /** Problems verifyContactInfo reports until a correction or edit arrives (none: contact is fine). */
  contactProblems: Array<{ path: string; message: string }>;
  /** Shortages reserveStock reports; emptied to let a later reservation succeed. */
  shortages: Shortage[];
  /** When the carrier expects to deliver, relative to booking. */
  etaInMs: number;
  /** How long after planning each production job is planned to end. */
  jobInMs: number;
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
      world = { contactProblems: [], shortages: [], etaInMs: 60_000, jobInMs: 60_000, calls: [] };
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
      // Made-to-order lines are made, not taken from stock.
      const allocations = input.lines
        .filter((line) => !line.madeToOrder)
        .map((line) => ({
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
      const { calls } = kept('releaseStock', input);
      const reserved = calls.find((call) => call.name === 'reserveStock')?.input as ReserveInput | undefined;
      return { releasedUnits: reserved?.lines.filter((line) => !line.madeToOrder).length ?? 0 };
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
    async followUpRefunds() {
      return { askedAgain: 0, flagged: 0 };
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
    async alertStaff(input) {
      kept('alertStaff', input);
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
    async planProduction(input) {
      const { jobInMs, calls } = kept('planProduction', input);
      const placed = calls.find((call) => call.name === 'verifyOrder');
      const skus = (placed?.input as { skus?: string[] } | undefined)?.skus ?? ['MADE-SKU'];
      const plannedEnd = new Date(Date.parse(input.now) + jobInMs).toISOString();
      const jobs = [
        {
          id: `${input.orderId}-J1`,
          sku: skus[0]!,
          quantity: 1,
          workCentre: 'WC-TEST',
          lineNo: 1,
          plannedStart: input.now,
          plannedEnd,
        },
      ];
      return { jobs, promisedDate: plannedEnd.slice(0, 10), materialOrders: [], replanned: [] };
    },
    async cancelProduction(input) {
      const { calls } = kept('cancelProduction', input);
      const planned = calls.some((call) => call.name === 'planProduction');
      return { cancelledJobs: planned ? [`${input.orderId}-J1`] : [], replanned: [] };
    },
    async replaceScrappedJob(input) {
      const { jobInMs } = kept('replaceScrappedJob', input);
      const plannedEnd = new Date(Date.parse(input.now) + jobInMs).toISOString();
      const job = {
        id: `${input.jobId}-R1`,
        sku: 'MADE-SKU',
        quantity: 1,
        workCentre: 'WC-TEST',
        lineNo: 1,
        plannedStart: input.now,
        plannedEnd,
      };
      return { job, promisedDate: plannedEnd.slice(0, 10), materialOrders: [], replanned: [] };
    },
    async reviseProduction(input) {
      kept('reviseProduction', input);
      throw new Error('line edits are not priced in workflow-level tests');
    },
    async finishProduction(input) {
      kept('finishProduction', input);
      return { consumed: 1 };
    },
    async updateProductionJob(input) {
      // Job ids are the order id, then -J and the line (and -R for a remade job).
      kept('updateProductionJob', { ...input, orderId: input.jobId.split('-J')[0]! });
    },
    async flagEndedOrder(input) {
      kept('flagEndedOrder', input);
      return { flagged: true };
    },
  };
  return { activities, worldOf };
}
