import type { Client } from '@temporalio/client';
import type { RouteOptions } from 'fastify';
import { Problem } from './problems.js';

const WRAPPED = Symbol('request deadline');
/** After the deadline, Temporal calls fail at once; this long is left for the route to turn that into its answer. */
const GRACE_MS = 500;

/** The problem for a request that had no answer by its deadline, whatever it was waiting for. */
export function requestTimeoutProblem(timeoutMs: number): Problem {
  return new Problem(
    504,
    'request-timeout',
    'Request timed out',
    `No answer within ${timeoutMs / 1000} s: a service the API needs (the database or the workflow service) did not answer. The request may still take effect; retry later with the same Idempotency-Key or event id.`,
  );
}

/**
 * An onRoute hook giving every route a deadline: Temporal calls made while handling the request fail
 * (DEADLINE_EXCEEDED) once it has passed, and a route still waiting on anything else shortly after is
 * answered with a 504 problem. Database statements have their own, shorter deadline (statement_timeout).
 */
export function requestDeadline(temporal: Pick<Client, 'withDeadline'>, timeoutMs: number) {
  return (route: RouteOptions): void => {
    const handler = route.handler as RouteOptions['handler'] & { [WRAPPED]?: true };
    if (handler[WRAPPED] || route.url.startsWith('/docs')) return;
    const withDeadline: RouteOptions['handler'] & { [WRAPPED]?: true } = async function (
      this: unknown,
      request,
      reply,
    ) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          request.log.warn({ route: route.url, timeoutMs }, 'request deadline passed');
          reject(requestTimeoutProblem(timeoutMs));
        }, timeoutMs + GRACE_MS);
      });
      const handled = temporal.withDeadline(Date.now() + timeoutMs, async () =>
        handler.call(this as never, request, reply),
      );
      // The route may still fail after we answered; that failure has nobody left to hear it.
      handled.catch(() => {});
      try {
        return await Promise.race([handled, late]);
      } finally {
        clearTimeout(timer);
      }
    };
    withDeadline[WRAPPED] = true;
    route.handler = withDeadline;
  };
}
