import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { LOW_RATING } from '../../domain/follow-ups.js';
import type { Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import { AnalyticsFilterSchema } from './filters.js';
import { measureSatisfaction } from './satisfaction.js';

const Count = z.number().int().nonnegative();
const Average = z
  .number()
  .min(1)
  .max(5)
  .nullable()
  .describe('Mean rating 1–5, rounded to 2 decimals; null without answers');
const Answers = {
  responses: Count.describe('Surveys answered'),
  lowRatings: Count.describe(`Of those, answers rating any dimension ${LOW_RATING} or less (each opened a follow-up)`),
  averages: z.strictObject({ product: Average, delivery: Average, service: Average }),
};

/** The answer of `GET /v1/analytics/satisfaction`. */
export const SatisfactionSchema = z.strictObject({
  surveysSent: Count.describe('Surveys sent for the orders placed in the window, answered or not'),
  ...Answers,
  weeks: z
    .array(z.strictObject({ week: z.string().describe('ISO week of the answer (UTC), such as 2026-W48'), ...Answers }))
    .describe('Weeks with answers, oldest first'),
});

/** How satisfied customers are: survey ratings per dimension, overall and per week of the answer. */
export const satisfactionRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/analytics/satisfaction',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['analytics'],
        summary: 'Average survey ratings per dimension, overall and per ISO week of the answer',
        description:
          'Over the answered surveys of orders placed in [`from`, `to`) of the given type and channel. The window selects orders by placement; the weeks group their answers by when they were given.',
        querystring: AnalyticsFilterSchema,
        response: { 200: SatisfactionSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => measureSatisfaction(db, request.query),
  );
};
