import { z } from 'zod';

const LIMIT_MESSAGE = 'must be a whole number from 1 to 100';

/** The `limit` query field of every paged listing: 1 to 100 items a page, 20 unless asked. */
export const PageLimit = z.coerce
  .number({ error: LIMIT_MESSAGE })
  .int(LIMIT_MESSAGE)
  .min(1, LIMIT_MESSAGE)
  .max(100, LIMIT_MESSAGE)
  .default(20);
