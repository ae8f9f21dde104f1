/** The SQLSTATE of a Postgres error; drizzle may wrap the driver error in `cause`. */
function sqlState(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** True when Postgres refused a write for a unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/**
 * True when Postgres refused the data itself (SQLSTATE class 22, data exception: a NUL byte, a number
 * out of range) or a constraint (class 23): the same statement fails the same way on every retry.
 * Lock and statement timeouts, deadlocks and lost connections are not: they are worth retrying.
 */
export function isPermanentDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && /^2[23]/.test(state) && state.length === 5;
}
