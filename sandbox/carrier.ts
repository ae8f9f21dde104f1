import { createHash, randomUUID } from 'node:crypto';
import type { CarrierGateway } from '../ports/carrier-gateway.js';
import { signWebhookBody } from '../ports/webhook-signature.js';

const DAY_MS = 86_400_000;

/** The tracking events a sandbox parcel can report. */
export type SandboxTrackingEvent = 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';

/** A stand-in carrier: books parcels with tracking numbers and ETAs and reports tracking through signed webhooks. */
export function createSandboxCarrier(options: {
  secret: string;
  webhookUrl?: string;
  now?: () => Date;
  dayMs?: number;
  fetch?: typeof fetch;
}) {
  const now = options.now ?? (() => new Date());
  // A shorter sandbox "day" lets demos and tests see ETAs pass without waiting for real days.
  const dayMs = options.dayMs ?? DAY_MS;
  const trackingNumberFor = (carrierId: string, orderId: string) =>
    `${carrierId.slice(0, 3).toUpperCase()}${createHash('sha256').update(`${carrierId}:${orderId}`).digest('hex').slice(0, 14).toUpperCase()}`;

  const gateway: CarrierGateway = {
    async book(booking) {
      return {
        trackingNumber: trackingNumberFor(booking.carrierId, booking.orderId),
        eta: new Date(now().getTime() + booking.transitDays * dayMs).toISOString(),
      };
    },
    async cancel() {
      return { cancelled: true };
    },
    async redirect() {
      return { redirected: true };
    },
  };

  /** Builds the signed webhook a tracking event produces. */
  function trackingWebhook(
    carrierId: string,
    trackingNumber: string,
    type: SandboxTrackingEvent,
    extra: { location?: string; detail?: string } = {},
  ) {
    const body = JSON.stringify({
      id: `trk_${randomUUID()}`,
      carrier: carrierId,
      trackingNumber,
      type,
      occurredAt: now().toISOString(),
      ...extra,
    });
    return { body, signature: signWebhookBody(body, options.secret) };
  }

  /** Delivers a tracking event to the configured URL, as the carrier would. */
  async function deliver(
    carrierId: string,
    trackingNumber: string,
    type: SandboxTrackingEvent,
    extra: { location?: string; detail?: string } = {},
  ): Promise<Response> {
    if (!options.webhookUrl) throw new Error('sandbox carrier has no webhookUrl');
    const { body, signature } = trackingWebhook(carrierId, trackingNumber, type, extra);
    return (options.fetch ?? fetch)(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });
  }

  return { gateway, trackingNumberFor, trackingWebhook, deliver };
}
