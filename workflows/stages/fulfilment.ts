import { activityFailedWith, FailureType } from '../../domain/failure-types.js';
import { failed, type Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import type { OrderRun } from '../order-run.js';

/** Books the carrier, commits the stock and invoices the order; no carrier for the parcel fails it. */
export async function fulfil(run: OrderRun): Promise<Ending | null> {
  const { orderId, state, input } = run;
  let booking: Awaited<ReturnType<typeof activities.bookShipment>>;
  run.attempted.add('book');
  try {
    booking = await activities.bookShipment({
      orderId,
      urgent: input.type === 'urgent',
      requestedDeliveryBy: input.requestedDeliveryBy,
      now: new Date().toISOString(),
    });
  } catch (error) {
    const noCarrier = activityFailedWith(error, FailureType.NoCarrier);
    if (noCarrier) return failed('no_carrier', { message: noCarrier.message });
    throw error;
  }
  const { carrierId, service, trackingNumber, eta } = booking;
  state.shipment = { carrierId, service, trackingNumber, eta, status: 'booked' };
  run.checkpoint();
  await activities.commitStock({ orderId });
  run.checkpoint();
  run.attempted.add('invoice');
  const invoice = await activities.issueInvoice({ orderId });
  state.invoice = { number: invoice.number, total: invoice.total };
  run.checkpoint();
  await activities.deliverInvoice({ orderId, number: invoice.number });
  await run.record('note', 'invoice_issued', state.status, {
    detail: { number: invoice.number, contentHash: invoice.contentHash },
  });
  await run.record('milestone', 'shipment_booked', 'ready_to_ship', { detail: { ...booking } });
  if (!booking.meetsDeadline)
    await run.record('flag', 'delivery_deadline_at_risk', state.status, {
      detail: { requestedDeliveryBy: input.requestedDeliveryBy, eta },
    });
  return null;
}
