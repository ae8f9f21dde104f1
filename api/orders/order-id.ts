import { z } from 'zod';

/** An order id: `ord_` and a ULID, whose Crockford base32 characters sort by creation time. */
export const ORDER_ID = /^ord_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Path parameters of every `/v1/orders/:id…` route. */
export const OrderParams = z.object({ id: z.string().regex(ORDER_ID, 'must be an order id such as ord_01J…') });
