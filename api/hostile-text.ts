import type { FastifyRequest } from 'fastify';
import { findHostileText } from '../domain/hostile-text.js';
import { fieldPath, Problem } from './problems.js';

/** Headers the API reads values from, beyond those a route declares. */
const READ_HEADERS = ['idempotency-key'];

/** Header names a route declares in its schema. */
function declaredHeaders(request: FastifyRequest): string[] {
  const schema = request.routeOptions.schema?.headers as { shape?: Record<string, unknown> } | undefined;
  return Object.keys(schema?.shape ?? {});
}

/**
 * A preValidation hook: NUL bytes, control characters and lone surrogates in any string of the body,
 * query, path parameters or the headers the API reads are a 400 problem naming each field. Body strings
 * may hold tabs and line breaks (free text); names, ids, queries and headers may not.
 */
export async function refuseHostileText(request: FastifyRequest): Promise<void> {
  // A request no route answers gets its 404 or 405; its path is not read as anyone's field.
  if (request.is404) return;
  const sources: Array<[string, unknown, boolean]> = [
    ['body', request.body, true],
    ['querystring', request.query, false],
    ['params', request.params, false],
    [
      'headers',
      Object.fromEntries(
        [...READ_HEADERS, ...declaredHeaders(request)].map((header) => [header, request.headers[header]]),
      ),
      false,
    ],
  ];
  for (const [where, value, freeText] of sources) {
    const errors = findHostileText(value, freeText).map((issue) => ({
      path: fieldPath(issue.path) || where,
      message: issue.message,
    }));
    if (errors.length)
      throw new Problem(
        400,
        'validation-error',
        'Invalid request',
        `The request ${where} has text no field may hold: NUL bytes, control characters or unpaired surrogates.`,
        errors,
      );
  }
}
