import { decodeCursor, encodeCursor } from '../paging.js';
import { ORDER_ID } from './order-id.js';

/** The opaque cursor that continues a listing after the order `lastId`. */
export const encodeOrderCursor = (lastId: string): string => encodeCursor(lastId);

/** The order id a cursor continues after, or undefined when it is not a cursor this API issued. */
export const decodeOrderCursor = (cursor: string): string | undefined =>
  decodeCursor(cursor, (id) => ORDER_ID.test(id));
