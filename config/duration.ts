import ms from 'ms';
import { z } from 'zod';

/** A duration string such as `30m`, `2d` or `5s`, parsed to milliseconds; bare numbers are refused. */
export const DurationSchema = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/, 'expected a duration such as 500ms, 5s, 30m, 2h, 2d or 1w')
  .transform((value) => ms(value as ms.StringValue))
  .refine((millis) => millis > 0, 'must be longer than zero');
