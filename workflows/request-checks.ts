import { invalidRequest } from '../domain/failure-types.js';
import { findHostileText } from '../domain/hostile-text.js';

/**
 * Refuses a request whose text Postgres could not store or logs should not carry (a NUL byte, a
 * control character other than tab and line breaks, a lone surrogate). Every update validator calls
 * it first: requests from Temporal UI or the CLI skip the API's checks, and one accepted bad string
 * would fail every later write of the order.
 */
export function refuseHostileText(request: unknown): void {
  const [issue] = findHostileText(request, true);
  if (!issue) return;
  const path =
    issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '') || 'request';
  throw invalidRequest(`${path} ${issue.message}`);
}

/** Refuses a request without the person or service who asks. */
export function requireActor(request: { actor?: string }): void {
  if (!request.actor) throw invalidRequest('actor is required');
}
