/** True when Postgres refused a write for a unique constraint; drizzle may wrap the driver error in `cause`. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  return code === '23505' || cause?.code === '23505';
}
