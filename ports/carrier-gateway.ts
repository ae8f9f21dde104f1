/** A parcel to book with a carrier. */
export interface ParcelBooking {
  orderId: string;
  carrierId: string;
  service: 'standard' | 'express';
  weightGrams: number;
  volumeCm3: number;
  transitDays: number;
  recipient: { name: string; country: string; city: string; postalCode: string; line1: string };
}

/** What the orchestrator asks of a carrier. A real carrier integration is one more implementation. */
export interface CarrierGateway {
  /** Books a pickup (or returns the existing booking); idempotent by order id. */
  book(booking: ParcelBooking): Promise<{ trackingNumber: string; eta: string }>;
  /** Cancels a booking that has not been picked up; cancelling twice is fine. */
  cancel(request: { carrierId: string; trackingNumber: string }): Promise<{ cancelled: boolean }>;
  /** Sends a booked parcel to a new address before pickup; the same address twice is one change. */
  redirect(request: {
    carrierId: string;
    trackingNumber: string;
    recipient: ParcelBooking['recipient'];
  }): Promise<{ redirected: boolean }>;
}
