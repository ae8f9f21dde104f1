import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';

/** Listing and filtering orders from the read model (TODO: helper fills in). */
export const orderListRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async () => {};
