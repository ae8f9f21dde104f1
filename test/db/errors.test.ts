import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isPermanentDataError, isUniqueViolation } from '../../db/errors.js';

/** A driver error wrapped as drizzle wraps it. */
const wrapped = (code: string) =>
  Object.assign(new Error('Failed query: insert …\nparams: secret'), {
    cause: Object.assign(new Error('refused'), { code }),
  });

describe('Postgres error kinds', () => {
  it('calls data and constraint errors permanent, but not a unique violation, a timeout or a lost connection', () => {
    for (const code of ['22P05', '22003', '23502', '23514', '23503'])
      expect(isPermanentDataError(wrapped(code))).toBe(true);
    for (const code of ['23505', '57014', '55P03', '40P01', '57P01', '08006', 'CONNECTION_CLOSED'])
      expect(isPermanentDataError(wrapped(code))).toBe(false);
  });

  it('finds the code on the error or on what it wraps', () => {
    expect(isUniqueViolation(Object.assign(new Error('x'), { code: '23505' }))).toBe(true);
    expect(isUniqueViolation(wrapped('23505'))).toBe(true);
    expect(isDatabaseUnavailable(wrapped('57014'))).toBe(true);
    expect(isDatabaseUnavailable(wrapped('08006'))).toBe(true);
    expect(isDatabaseUnavailable(wrapped('23514'))).toBe(false);
    expect(isPermanentDataError(new Error('no code'))).toBe(false);
  });
});
