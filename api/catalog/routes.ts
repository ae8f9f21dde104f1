import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';

/** Catalog and real-time inventory (TODO: helper fills in). */
export const catalogRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async () => {};
