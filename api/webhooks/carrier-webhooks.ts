import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { shipments } from '../../db/schema.js';
import { shipmentEventSignal } from '../../workflows/messages.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { Problem, ProblemSchema } from '../problems.js';
import { acceptSignedJson, recordThenDeliver, requireSignature, WebhookAcceptedSchema } from './signed-json.js';

/** A carrier's tracking webhook body. */
export const CarrierWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  carrier: z.string().min(1).max(100),
  trackingNumber: z.string().min(1).max(100),
  type: z.enum(['picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'exception']),
  occurredAt: z.iso.datetime({ offset: true }),
  location: z.string().max(200).optional(),
  detail: z.string().max(1000).optional(),
});

/** `POST /v1/webhooks/carriers`: signed tracking events, recorded once and signalled to the shipment's order. */
export const carrierWebhookRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; secret: string }> = async (app, { db, temporal, secret }) => {
  acceptSignedJson(app);

  app.post('/v1/webhooks/carriers', {
    preValidation: requireSignature(secret, 'carrier'),
    schema: { tags: ['webhooks'], summary: 'Carrier tracking events (signed)', body: CarrierWebhookSchema, response: { 202: WebhookAcceptedSchema, 404: ProblemSchema } },
  }, async (request, reply) => {
    const event = request.body;
    const [shipment] = await db
      .select({ orderId: shipments.orderId })
      .from(shipments)
      .where(and(eq(shipments.trackingNumber, event.trackingNumber), eq(shipments.carrierId, event.carrier)));
    if (!shipment) throw new Problem(404, 'shipment-not-found', 'Shipment not found', `${event.carrier} has no shipment ${event.trackingNumber} with us.`);

    const accepted = await recordThenDeliver(db, { source: 'carriers', eventId: event.id, orderId: shipment.orderId, payload: event }, () =>
      temporal.workflow.getHandle(orderWorkflowId(shipment.orderId)).signal(shipmentEventSignal, {
        eventId: event.id,
        trackingNumber: event.trackingNumber,
        type: event.type,
        occurredAt: event.occurredAt,
        location: event.location,
        detail: event.detail,
      }),
    );
    return reply.status(202).send(accepted);
  });
};
