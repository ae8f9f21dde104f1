import { patched } from '@temporalio/workflow';
import type { ShipmentEvent } from '../messages.js';
import { failed, type Ending } from '../ending.js';
import { activities } from '../order-activities.js';
import type { OrderRun } from '../order-run.js';
import { awaitStage } from '../stage-wait.js';

const DAY_MS = 86_400_000;
/** How long past its late flag a parcel may stay silent before the order fails as lost, for orders started before the policy said. */
const PARCEL_LOST_AFTER_MS = 30 * DAY_MS;

/** How far along each tracking event puts a parcel; an exception does not move it. */
const SHIPMENT_RANK: Record<ShipmentEvent['type'], number> = {
  picked_up: 1,
  in_transit: 2,
  out_for_delivery: 3,
  delivered: 4,
  exception: 0,
};

/** Follows the parcel from pickup to delivery; one late past its ETA is flagged, one silent long after is lost. */
export async function track(run: OrderRun): Promise<Ending | null> {
  const { state, input } = run;
  const { carrierId, trackingNumber, eta } = state.shipment!;
  const lateAt = Date.parse(eta) + input.policy.deliveryGraceMs;
  const lostAfter = input.policy.parcelLostAfterMs ?? PARCEL_LOST_AFTER_MS;
  const parcel = { rank: 0, late: false, lastNewsAt: lateAt };
  const tracking = {
    waitingFor: () => `${parcel.rank === 0 ? 'pickup' : 'delivery'} by ${carrierId} (${trackingNumber}), ETA ${eta}`,
    done: () => parcel.rank >= SHIPMENT_RANK.delivered,
    news: {
      arrived: () => run.shipmentInbox.length > 0,
      handle: async () => {
        const heard = await followParcel(run, parcel);
        // A late parcel is lost only once it stays silent for the whole window (orders started before counted from the late flag).
        if (heard && parcel.late && patched('parcel-lost-counts-from-last-news')) parcel.lastNewsAt = Date.now();
      },
    },
  };
  if (await awaitStage(run, { ...tracking, timer: 'parcel late: ETA and grace', until: lateAt })) return null;
  parcel.late = true;
  await run.record('flag', 'parcel_late', state.status, { detail: { eta } });
  await run.notify('parcel_late', { trackingNumber, eta });
  const lostAt = () => parcel.lastNewsAt + lostAfter;
  if (await awaitStage(run, { ...tracking, timer: 'parcel lost', until: lostAt })) return null;
  return failed('parcel_lost', { trackingNumber, eta });
}

/** Takes the next tracking event: moves the parcel (and the order) forward, notes exceptions, ignores old news; false when it named another parcel. */
async function followParcel(run: OrderRun, parcel: { rank: number }): Promise<boolean> {
  const { orderId, state, record } = run;
  const shipment = state.shipment!;
  const event = run.shipmentInbox.shift()!;
  if (event.trackingNumber !== shipment.trackingNumber) {
    await record('flag', 'tracking_for_unknown_parcel', state.status, { detail: { ...event } });
    return false;
  }
  await activities.recordShipmentEvent({
    orderId,
    trackingNumber: event.trackingNumber,
    type: event.type,
    occurredAt: event.occurredAt,
  });
  const detail = { eventId: event.eventId, at: event.occurredAt, location: event.location, detail: event.detail };
  if (event.type === 'exception') {
    await record('flag', 'shipment_exception', state.status, {
      reason: event.detail ?? 'carrier reported an exception',
      detail,
    });
    return true;
  }
  if (SHIPMENT_RANK[event.type] <= parcel.rank) return true; // late or repeated news: the parcel is already further along
  const wasPickedUp = parcel.rank >= SHIPMENT_RANK.picked_up;
  parcel.rank = SHIPMENT_RANK[event.type];
  shipment.status = event.type;
  if (!wasPickedUp) {
    await record('milestone', 'parcel_picked_up', 'shipped', { detail });
    await run.notify('shipped', {
      carrierId: shipment.carrierId,
      trackingNumber: shipment.trackingNumber,
      eta: shipment.eta,
    });
  }
  if (event.type === 'delivered') await record('milestone', 'parcel_delivered', 'delivered', { detail });
  else if (event.type !== 'picked_up') await record('note', `parcel_${event.type}`, state.status, { detail });
  return true;
}
