import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client.js';

/** Carrier tracking webhooks (TODO: helper fills in). */
export const carrierWebhookRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; secret: string }> = async () => {};
