import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { STAFF_ALERT_KINDS } from '../../domain/staff-alerts.js';
import type { Auth } from '../auth.js';
import { decodeCursor, encodeCursor, PageLimit } from '../paging.js';
import { ProblemSchema } from '../problems.js';
import { listStaffAlerts } from './staff-alert-store.js';

/** A staff alert id as a cursor carries it: a positive whole number, written plainly. */
const isStaffAlertId = (key: string) => /^[1-9][0-9]{0,15}$/.test(key) && Number.isSafeInteger(Number(key));

const Cursor = z
  .string()
  .max(100)
  .describe('`nextCursor` of the previous page')
  .transform((cursor, ctx) => {
    const lastId = decodeCursor(cursor, isStaffAlertId);
    if (lastId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page of this listing' });
      return z.NEVER;
    }
    return Number(lastId);
  });

const ListQuerySchema = z.strictObject({
  kind: z.enum(STAFF_ALERT_KINDS).optional(),
  orderId: z.string().trim().min(1, 'must not be empty').max(100).optional(),
  limit: PageLimit,
  cursor: Cursor.optional(),
});

/** A staff alert as staff read it. */
export const StaffAlertSchema = z.object({
  id: z.number().int(),
  kind: z
    .enum(STAFF_ALERT_KINDS)
    .describe(
      'order_flagged: the order recorded a flag; wait_overdue: it has waited on a person too long; follow_up_opened: a low rating opened a follow-up',
    ),
  orderId: z.string(),
  subject: z.string(),
  detail: z.record(z.string(), z.unknown()),
  dedupeKey: z.string().describe('The same alert is sent once per key'),
  sentAt: z.iso.datetime(),
});

/** The sandbox staff channel: the alerts staff were sent, newest first. */
export const staffAlertRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/staff-alerts',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['staff-alerts'],
        summary: 'List alerts sent to staff',
        description:
          'Newest first, optionally of one kind or one order. Flagged orders, waits on a person longer than `STAFF_ALERT_WAIT_AFTER` and opened follow-ups each alert once. Follow `nextCursor` until it is null to see each once.',
        querystring: ListQuerySchema,
        response: {
          200: z.object({
            items: z.array(StaffAlertSchema),
            nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
          }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { kind, orderId, limit, cursor } = request.query;
      const page = await listStaffAlerts(db, { kind, orderId, limit, afterId: cursor });
      return { items: page.items, nextCursor: page.lastId === null ? null : encodeCursor(String(page.lastId)) };
    },
  );
};
