import { ORDER_ID } from './order-id.js';

/** The opaque cursor that continues a listing after the order `lastId`. */
export function encodeOrderCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** The order id a cursor continues after, or undefined when it is not a cursor this API issued. */
export function decodeOrderCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's decoder skips characters it does not know: insist on the exact encoding we hand out.
  if (!ORDER_ID.test(id) || encodeOrderCursor(id) !== cursor) return undefined;
  return id;
}
