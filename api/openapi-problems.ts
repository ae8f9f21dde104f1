import type { SwaggerTransformObject } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { ProblemSchema } from './problems.js';

/** What each problem status means, as the OpenAPI document says it. */
const MEANING: Record<number, string> = {
  400: 'Invalid request: a field is malformed, unknown, or holds NUL bytes, control characters or unpaired surrogates; each field is named in `errors`',
  401: 'No API key, an unknown key, or (webhooks) a bad signature',
  403: "The key's role may not do this",
  404: 'No such resource (or not visible to this caller)',
  405: 'The path exists but not with this method; `Allow` lists the methods it has',
  409: 'The order refused the action in its current stage; `detail` gives the reason',
  413: 'The body is larger than 256 KiB',
  414: 'A path parameter is longer than 100 characters',
  415: 'The body is not `application/json`',
  422: 'Well-formed, but it cannot be used (unknown SKU, reused Idempotency-Key with another body, …)',
  429: 'Too many requests for this key; retry after `Retry-After` seconds',
  503: 'A service the API needs (the database or the workflow service) is unavailable; nothing was changed; retry after `Retry-After` seconds',
  504: 'No answer in time from a service the API needs; the request may still take effect; retry after `Retry-After` seconds with the same Idempotency-Key or event id',
};

type Hooks = RouteOptions['onRequest'];
const hasHooks = (hooks: Hooks | RouteOptions['preValidation']) =>
  Array.isArray(hooks) ? hooks.length > 0 : Boolean(hooks);

/** The problem statuses every route of this shape can answer with. */
function standardStatuses(route: RouteOptions): number[] {
  const schema = route.schema ?? {};
  const statuses = [429, 503, 504];
  // An onRequest hook is an API-key check by role; a preValidation hook is a webhook's signature check.
  if (hasHooks(route.onRequest)) statuses.push(401, 403);
  else if (hasHooks(route.preValidation)) statuses.push(401);
  if (schema.body || schema.params || schema.querystring || schema.headers) statuses.push(400);
  if (schema.body) statuses.push(413, 415);
  if (schema.params) statuses.push(404, 414);
  return statuses;
}

/**
 * An onRoute hook: adds the standard problem answers (auth, validation, media type, limits, outages) to
 * each route's declared responses, unless the route declares that status itself, so the OpenAPI
 * document lists every status a route can answer with.
 */
export function declareStandardProblems(route: RouteOptions): void {
  const schema = route.schema ?? {};
  if (schema.hide || route.url.startsWith('/docs')) return;
  const response = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
  for (const status of standardStatuses(route)) if (!(status in response)) response[status] = ProblemSchema;
  route.schema = { ...schema, response };
}

type Operations = Record<
  string,
  { responses?: Record<string, { description?: string; content?: Record<string, unknown> }> }
>;

/** A swagger `transformObject`: error answers are `application/problem+json`, each with what it means. */
export const problemMediaType: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject;
  const paths = (document.openapiObject.paths ?? {}) as Record<string, Operations>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue;
        const json = response.content?.['application/json'] as
          { schema?: { properties?: Record<string, unknown> } } | undefined;
        // /ready's 503 is its own JSON report, not a problem.
        const isProblem = ['type', 'title', 'status'].every((field) => json?.schema?.properties?.[field]);
        if (!json || !isProblem) continue;
        response.content = { 'application/problem+json': json };
        if (!response.description || response.description === 'Default Response')
          response.description = MEANING[Number(status)] ?? 'Problem';
      }
    }
  }
  return document.openapiObject;
};
