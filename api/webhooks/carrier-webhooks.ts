import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/client.js';
import { shipments } from '../../db/schema.js';
import { Problem, ProblemSchema } from '../problems.js';
import { deliverTrackingEvent } from './deliveries.js';
import { acceptSignedJson, requireSignature, WebhookAcceptedSchema } from './signed-json.js';
import { CarrierWebhookSchema } from './webhook-schemas.js';

/** `POST /v1/webhooks/carriers`: signed tracking events, recorded once and signalled to the shipment's order. */
export const carrierWebhookRoutes: FastifyPluginAsyncZod<{
  db: Database;
  temporal: Client;
  secret: string;
  taskQueue: string;
}> = async (app, { db, temporal, secret, taskQueue }) => {
  acceptSignedJson(app);

  app.post(
    '/v1/webhooks/carriers',
    {
      preValidation: requireSignature(secret, 'carrier'),
      schema: {
        tags: ['webhooks'],
        summary: 'Carrier tracking events (signed)',
        body: CarrierWebhookSchema,
        response: { 202: WebhookAcceptedSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const event = request.body;
      const [shipment] = await db
        .select({ orderId: shipments.orderId })
        .from(shipments)
        .where(and(eq(shipments.trackingNumber, event.trackingNumber), eq(shipments.carrierId, event.carrier)));
      if (!shipment)
        throw new Problem(
          404,
          'shipment-not-found',
          'Shipment not found',
          `${event.carrier} has no shipment ${event.trackingNumber} with us.`,
        );

      const accepted = await deliverTrackingEvent({ db, temporal, taskQueue }, shipment.orderId, event);
      return reply.status(202).send(accepted);
    },
  );
};
