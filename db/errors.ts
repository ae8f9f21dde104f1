/** The codes on an error and on the errors it wraps (drizzle wraps the driver's), outermost first. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (
    let current = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** True when Postgres refused a write for a unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return errorCodes(error).includes('23505');
}

/**
 * True when Postgres refused the data itself (SQLSTATE class 22, data exception: a NUL byte, a number
 * out of range) or a constraint (class 23): the same statement fails the same way on every retry.
 * Not a unique violation: that is how a concurrent attempt of the same idempotent step shows, and the
 * retry finds the winner's row. Lock and statement timeouts, deadlocks and lost connections are not
 * either: they are worth retrying.
 */
export function isPermanentDataError(error: unknown): boolean {
  return errorCodes(error).some((code) => /^2[23][0-9A-Z]{3}$/.test(code) && code !== '23505');
}

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
const DRIVER_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** True when Postgres did not answer in time or could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return errorCodes(error).some(
    (code) => UNAVAILABLE_CODES.has(code) || DRIVER_CODES.has(code) || code.startsWith('08'),
  );
}
