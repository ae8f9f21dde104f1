import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';

/** Invoices: read an issued invoice from the archive (TODO: helper fills in). */
export const invoiceRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async () => {};
