import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import { activityFailedWith, FailureType } from '../domain/failure-types.js';

const OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [FailureType.NoCarrier, FailureType.OrderNotFound],
  },
};

/** What each activity does, as operators read it on an order's history in Temporal UI. */
const SUMMARIES: Record<keyof OrderActivities, string> = {
  verifyOrder: 'verify products',
  verifyContactInfo: 'verify contact details',
  applyInfoCorrection: 'apply contact correction',
  reserveStock: 'reserve stock',
  reviseReservation: 'swap stock reservation',
  releaseStock: 'release stock',
  commitStock: 'commit stock',
  restockReturnedGoods: 'restock returned goods',
  createBackorder: 'create back-order',
  priceOrderLines: 'price new lines',
  applyOrderEdit: 'write order revision',
  createPaymentIntent: 'request payment',
  amendPaymentIntent: 'change amount due',
  recordPaymentEvent: 'record payment in ledger',
  refundPayment: 'refund payment',
  followUpRefunds: 'follow up unconfirmed refunds',
  returnRedeemedPoints: 'return redeemed points',
  creditEarnedPoints: 'credit earned points',
  bookShipment: 'book carrier',
  cancelShipment: 'cancel carrier booking',
  redirectShipment: 'redirect parcel',
  recordShipmentEvent: 'record tracking event',
  issueInvoice: 'issue invoice',
  deliverInvoice: 'send invoice',
  issueCreditNote: 'issue credit note',
  notifyCustomer: 'notify customer',
  alertStaff: 'alert staff',
  sendSurvey: 'send survey',
  recordFeedback: 'record feedback',
  recordOrderProgress: 'record timeline entry',
  flagEndedOrder: 'flag ended order',
  updateProductionJob: 'update production job',
  planProduction: 'plan production',
  cancelProduction: 'cancel production',
  replaceScrappedJob: 'remake scrapped job',
  finishProduction: 'consume job materials',
  reviseProduction: 'replan production for new lines',
};

/**
 * The order's activities, as every stage calls them. One proxy per activity, so each call carries its
 * summary: the history in Temporal UI then reads "reserve stock", "book carrier", not bare type names.
 */
export const activities = Object.fromEntries(
  Object.entries(SUMMARIES).map(([name, summary]) => [
    name,
    proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({ ...OPTIONS, summary })[name],
  ]),
) as unknown as OrderActivities;

/** Timeline writes are short database writes: as local activities they skip a task-queue round trip per entry. */
export const timeline = proxyLocalActivities<Pick<OrderActivities, 'recordOrderProgress'>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2 },
  summary: SUMMARIES.recordOrderProgress,
});

/** The reason, when an activity failed in a way no retry can mend (Postgres refused its data); null for any other error. */
export function permanentFailure(error: unknown): string | null {
  return activityFailedWith(error, FailureType.PermanentDataError)?.message ?? null;
}
