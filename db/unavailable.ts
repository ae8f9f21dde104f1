/** Postgres error codes that mean "not now" rather than "not this request": a retry later can succeed. */
const UNAVAILABLE_CODES = new Set([
  '57014', // query_canceled: statement_timeout ran out (a stalled or locked table)
  '55P03', // lock_not_available: lock_timeout ran out
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
]);

/** postgres.js's own codes for a connection that could not be made or was lost. */
const DRIVER_CODES = new Set(['CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** True when Postgres did not answer in time or could not be reached; drizzle may wrap the driver error in `cause`. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (UNAVAILABLE_CODES.has(code) || DRIVER_CODES.has(code) || code.startsWith('08')) return true;
  }
  return false;
}
