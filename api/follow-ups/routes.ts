import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { FOLLOW_UP_STATUSES, LOW_RATING } from '../../domain/follow-ups.js';
import { callerOf, type Auth } from '../auth.js';
import { Problem, ProblemSchema } from '../problems.js';
import { changeFollowUp, listFollowUps } from './follow-up-store.js';
import { decodeCursor, encodeCursor, PageLimit } from '../paging.js';

/** A follow-up id as a cursor carries it: a positive whole number, written plainly. */
const isFollowUpId = (key: string) => /^[1-9][0-9]{0,15}$/.test(key) && Number.isSafeInteger(Number(key));

const Cursor = z
  .string()
  .max(100)
  .describe('`nextCursor` of the previous page')
  .transform((cursor, ctx) => {
    const lastId = decodeCursor(cursor, isFollowUpId);
    if (lastId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page of this listing' });
      return z.NEVER;
    }
    return Number(lastId);
  });

const ListQuerySchema = z.strictObject({
  status: z.enum(FOLLOW_UP_STATUSES).optional(),
  limit: PageLimit,
  cursor: Cursor.optional(),
});

const Rating = z.number().int().min(1).max(5);
const Instant = z.iso.datetime();

/** A follow-up as support sees it. */
export const FollowUpSchema = z.object({
  id: z.number().int(),
  orderId: z.string(),
  reason: z.enum(['low_rating']).describe(`low_rating: the survey rated some dimension ${LOW_RATING} or less`),
  ratings: z.object({ product: Rating, delivery: Rating, service: Rating }),
  comment: z.string().nullable().describe("The customer's comment with the answer"),
  status: z.enum(FOLLOW_UP_STATUSES),
  owner: z.string().nullable().describe('Who in support has taken it'),
  note: z.string().nullable(),
  updatedBy: z.string().nullable().describe('The API key name of the last caller who changed it; null until then'),
  openedAt: Instant.describe('When the low-rated answer was given'),
  updatedAt: Instant,
  resolvedAt: Instant.nullable(),
});

const ChangeSchema = z.strictObject({
  status: z.enum(FOLLOW_UP_STATUSES),
  owner: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  note: z.string().trim().min(1, 'must not be empty').max(2_000).optional(),
});

const IdParams = z.strictObject({
  id: z.coerce
    .number({ error: 'must be a follow-up id' })
    .int('must be a follow-up id')
    .positive('must be a follow-up id')
    // Ids are Postgres integers: a larger number names no follow-up and must not reach the database.
    .max(2_147_483_647, 'must be a follow-up id'),
});

/** Support's follow-ups of low survey ratings: list them, take them, resolve them. */
export const followUpRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/follow-ups',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['follow-ups'],
        summary: 'List follow-ups of low survey ratings',
        description: 'Newest first, optionally of one status. Follow `nextCursor` until it is null to see each once.',
        querystring: ListQuerySchema,
        response: {
          200: z.object({
            items: z.array(FollowUpSchema),
            nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
          }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const page = await listFollowUps(db, { status, limit, afterId: cursor });
      return { items: page.items, nextCursor: page.lastId === null ? null : encodeCursor(String(page.lastId)) };
    },
  );

  app.patch(
    '/v1/follow-ups/:id',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['follow-ups'],
        summary: 'Take, hand back or resolve a follow-up',
        description:
          "Open and in-progress follow-ups may move to any status; `in_progress` needs an owner (given now or already set). Resolved is final: moving a resolved follow-up to open or in_progress is 422 (a new complaint opens a new conversation). `owner` and `note` are kept when left out. Sending the same change twice changes nothing the second time. Every change records the caller's key name as `updatedBy`.",
        params: IdParams,
        body: ChangeSchema,
        response: {
          200: FollowUpSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const outcome = await changeFollowUp(db, id, request.body, callerOf(request).name);
      if (outcome.kind === 'not_found')
        throw new Problem(404, 'follow-up-not-found', 'Follow-up not found', `There is no follow-up ${id}.`);
      if (outcome.kind === 'refused')
        throw new Problem(422, 'follow-up-change-refused', 'The follow-up cannot change this way', outcome.reason);
      return outcome.followUp;
    },
  );
};
