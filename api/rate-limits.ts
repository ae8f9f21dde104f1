import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Auth } from './auth.js';
import { Problem } from './problems.js';

// Probes must keep answering however busy a caller is.
const UNLIMITED_ROUTES = new Set(['/health', '/ready']);

/**
 * Per-caller rate limits: each API key name gets `perMinute` requests a minute, callers without a known
 * key share that budget per IP address. Over it: 429 with `Retry-After`.
 */
export async function registerRateLimits(app: FastifyInstance, auth: Auth, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    keyGenerator: (request) => {
      const caller = auth.identify(request);
      return caller ? `key:${caller.name}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new Problem(
        context.statusCode,
        'too-many-requests',
        'Too many requests',
        `At most ${context.max} requests a minute per API key; retry in ${context.after}.`,
      ),
  });
  // An app-wide hook, not the plugin's per-route one: it must count a request before authentication can
  // refuse it, or guessing keys would never be limited.
  app.addHook('onRequest', app.rateLimit());
}
