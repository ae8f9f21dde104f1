import { ApplicationFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import { isPermanentDataError } from '../db/errors.js';
import { carrierRates, orderLines, orders, products, shipments } from '../db/schema.js';
import { chooseCarrier, type CarrierRate } from '../domain/carrier-choice.js';
import { FailureType } from '../domain/failure-types.js';
import type { PlaceOrder } from '../domain/order-schema.js';
import type { ParcelBooking } from '../ports/carrier-gateway.js';
import type { ActivityDeps } from './deps.js';

const DAY_MS = 86_400_000;

/** A carrier tracking event as the workflow received it. */
export type ShipmentEventType = 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';

/** The booking an order ships with. */
export interface BookedShipment {
  carrierId: string;
  service: 'standard' | 'express';
  trackingNumber: string;
  eta: string;
  cost: number;
  meetsDeadline: boolean;
}

type ShipmentRow = typeof shipments.$inferSelect;
type ShipmentStatus = ShipmentRow['status'];

const PROGRESS: Record<Exclude<ShipmentEventType, 'exception'>, number> = {
  picked_up: 1,
  in_transit: 2,
  out_for_delivery: 3,
  delivered: 4,
};

/** Carrier booking and parcel tracking. */
export function createShippingActivities({ db, carriers }: Pick<ActivityDeps, 'db' | 'carriers'>) {
  return {
    /** Books the order's parcel with the cheapest carrier that meets the deadline; a second call returns the first booking. */
    async bookShipment(input: {
      orderId: string;
      urgent: boolean;
      requestedDeliveryBy?: string | undefined;
      now: string;
    }): Promise<BookedShipment> {
      const maxTransitDays =
        input.requestedDeliveryBy === undefined
          ? undefined
          : Math.floor((Date.parse(input.requestedDeliveryBy) - Date.parse(input.now)) / DAY_MS);
      const rates = await db.select().from(carrierRates);
      const existing = await findShipment(input.orderId);
      if (existing) return asBooked(existing, bookedInTime(existing, rates, maxTransitDays));

      const [order] = await db.select({ request: orders.request }).from(orders).where(eq(orders.id, input.orderId));
      if (!order)
        throw ApplicationFailure.create({
          type: FailureType.OrderNotFound,
          message: `There is no order ${input.orderId}.`,
          nonRetryable: true,
        });
      const [parcel] = await db
        .select({
          weightGrams: sql<number>`coalesce(sum(${orderLines.quantity} * ${products.weightGrams}), 0)`.mapWith(Number),
          volumeCm3: sql<number>`coalesce(sum(${orderLines.quantity} * ${products.volumeCm3}), 0)`.mapWith(Number),
        })
        .from(orderLines)
        .innerJoin(products, eq(products.sku, orderLines.sku))
        .where(eq(orderLines.orderId, input.orderId));
      const { weightGrams, volumeCm3 } = parcel!;

      const choice = chooseCarrier({ weightGrams, volumeCm3, urgent: input.urgent, maxTransitDays }, rates);
      if (!choice) {
        throw ApplicationFailure.create({
          type: FailureType.NoCarrier,
          message: `No carrier takes a parcel of ${weightGrams} g and ${volumeCm3} cm³${input.urgent ? ' by express' : ''}.`,
          nonRetryable: true,
        });
      }

      const address = order.request.shippingAddress;
      const booking = await carriers.book({
        orderId: input.orderId,
        carrierId: choice.carrierId,
        service: choice.service,
        weightGrams,
        volumeCm3,
        transitDays: choice.transitDays,
        recipient: parcelRecipient(address),
      });
      try {
        await db
          .insert(shipments)
          .values({
            orderId: input.orderId,
            carrierId: choice.carrierId,
            service: choice.service,
            trackingNumber: booking.trackingNumber,
            cost: choice.cost,
            weightGrams,
            volumeCm3,
            eta: new Date(booking.eta),
          })
          .onConflictDoNothing({ target: shipments.orderId });
      } catch (error) {
        // Not recorded, so no cancellation would find it: give the booking back before failing.
        if (isPermanentDataError(error))
          await carriers.cancel({ carrierId: choice.carrierId, trackingNumber: booking.trackingNumber });
        throw error;
      }
      const stored = (await findShipment(input.orderId))!;
      if (stored.trackingNumber === booking.trackingNumber) return asBooked(stored, choice.meetsDeadline);
      // A concurrent attempt booked first (with a different carrier): keep its booking, give ours back.
      await carriers.cancel({ carrierId: choice.carrierId, trackingNumber: booking.trackingNumber });
      return asBooked(stored, bookedInTime(stored, rates, maxTransitDays));
    },

    /** Cancels the order's carrier booking before pickup; says `cancelled` whenever it is, however often asked. */
    async cancelShipment(input: { orderId: string }): Promise<{ cancelled: boolean }> {
      const shipment = await findShipment(input.orderId);
      if (!shipment) return { cancelled: false };
      // A retry after the first call succeeded must report the same: the booking is cancelled.
      if (shipment.status === 'cancelled') return { cancelled: true };
      if (shipment.pickedUpAt || shipment.status !== 'booked') {
        throw ApplicationFailure.create({
          type: 'AlreadyPickedUp',
          message: `Shipment ${shipment.trackingNumber} is ${shipment.status}: too late to cancel.`,
          nonRetryable: true,
        });
      }
      await carriers.cancel({ carrierId: shipment.carrierId, trackingNumber: shipment.trackingNumber });
      await db
        .update(shipments)
        .set({ status: 'cancelled' })
        .where(and(eq(shipments.id, shipment.id), eq(shipments.status, 'booked')));
      return { cancelled: true };
    },

    /** Sends the order's booked parcel to the order's current address; refused once the carrier has it. */
    async redirectShipment(input: { orderId: string }): Promise<{ redirected: boolean }> {
      const shipment = await findShipment(input.orderId);
      if (!shipment || shipment.status === 'cancelled') return { redirected: false };
      if (shipment.pickedUpAt || shipment.status !== 'booked') {
        throw ApplicationFailure.create({
          type: 'AlreadyPickedUp',
          message: `Shipment ${shipment.trackingNumber} is ${shipment.status}: too late to change its address.`,
          nonRetryable: true,
        });
      }
      const [order] = await db.select({ request: orders.request }).from(orders).where(eq(orders.id, input.orderId));
      return carriers.redirect({
        carrierId: shipment.carrierId,
        trackingNumber: shipment.trackingNumber,
        recipient: parcelRecipient(order!.request.shippingAddress),
      });
    },

    /** Moves the shipment's status forward with a tracking event; late or repeated events change nothing. */
    async recordShipmentEvent(input: {
      orderId: string;
      trackingNumber: string;
      type: ShipmentEventType;
      occurredAt: string;
    }): Promise<{ status: string }> {
      return db.transaction(async (tx) => {
        const [shipment] = await tx
          .select()
          .from(shipments)
          .where(and(eq(shipments.orderId, input.orderId), eq(shipments.trackingNumber, input.trackingNumber)))
          .for('update');
        if (!shipment)
          throw ApplicationFailure.create({
            type: 'ShipmentNotFound',
            message: `Order ${input.orderId} has no shipment ${input.trackingNumber}.`,
            nonRetryable: true,
          });

        const status = nextStatus(shipment, input.type);
        if (status === shipment.status) return { status };
        const at = new Date(input.occurredAt);
        const reachesPickup = status !== 'exception' && status !== 'booked';
        await tx
          .update(shipments)
          .set({
            status,
            // Any step past pickup proves the pickup happened, even when its own event never arrived.
            pickedUpAt: reachesPickup ? (shipment.pickedUpAt ?? at) : shipment.pickedUpAt,
            deliveredAt: status === 'delivered' ? (shipment.deliveredAt ?? at) : shipment.deliveredAt,
          })
          .where(eq(shipments.id, shipment.id));
        return { status };
      });
    },
  };

  async function findShipment(orderId: string): Promise<ShipmentRow | undefined> {
    const [row] = await db.select().from(shipments).where(eq(shipments.orderId, orderId));
    return row;
  }
}

function asBooked(row: ShipmentRow, meetsDeadline: boolean): BookedShipment {
  return {
    carrierId: row.carrierId,
    service: row.service,
    trackingNumber: row.trackingNumber,
    eta: row.eta.toISOString(),
    cost: row.cost,
    meetsDeadline,
  };
}

/** Whether an earlier booking meets the deadline, judged by its own carrier's bands as the first booking was. */
function bookedInTime(
  row: ShipmentRow,
  rates: ReadonlyArray<CarrierRate>,
  maxTransitDays: number | undefined,
): boolean {
  const ownBands = rates.filter((rate) => rate.carrierId === row.carrierId && rate.service === row.service);
  const choice = chooseCarrier(
    { weightGrams: row.weightGrams, volumeCm3: row.volumeCm3, urgent: false, maxTransitDays },
    ownBands,
  );
  return choice?.meetsDeadline ?? maxTransitDays === undefined;
}

/** The status after an event: progress only forward; an exception unless delivered; nothing after cancellation. */
function nextStatus(shipment: Pick<ShipmentRow, 'status' | 'pickedUpAt'>, event: ShipmentEventType): ShipmentStatus {
  const current = shipment.status;
  if (current === 'cancelled' || current === 'delivered') return current;
  if (event === 'exception') return 'exception';
  // The step reached before an exception is not stored; the pickup time is the progress we still know.
  const reached =
    current === 'exception'
      ? shipment.pickedUpAt
        ? PROGRESS.picked_up
        : 0
      : current === 'booked'
        ? 0
        : PROGRESS[current];
  return PROGRESS[event] > reached ? event : current;
}

/** The part of a shipping address a carrier's label needs. */
function parcelRecipient(address: PlaceOrder['shippingAddress']): ParcelBooking['recipient'] {
  return {
    name: address.recipient,
    country: address.country,
    city: address.city,
    postalCode: address.postalCode,
    line1: address.line1,
  };
}
