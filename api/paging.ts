import { z } from 'zod';

const LIMIT_MESSAGE = 'must be a whole number from 1 to 100';

/** The `limit` query field of every paged listing: 1 to 100 items a page, 20 unless asked. */
export const PageLimit = z.coerce
  .number({ error: LIMIT_MESSAGE })
  .int(LIMIT_MESSAGE)
  .min(1, LIMIT_MESSAGE)
  .max(100, LIMIT_MESSAGE)
  .default(20);

/** The opaque cursor that continues a listing after the item keyed `lastKey`. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

/** The key a cursor continues after, or undefined when it is not a cursor this API issued for a key `isKey` accepts. */
export function decodeCursor(cursor: string, isKey: (key: string) => boolean): string | undefined {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's decoder skips characters it does not know: insist on the exact encoding we hand out.
  if (!isKey(key) || encodeCursor(key) !== cursor) return undefined;
  return key;
}
