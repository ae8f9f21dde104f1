import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isGrpcServiceError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors.js';

/** The documented shape of every error answer. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose();

/** One field-level reason a request was refused. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An RFC 9457 problem the API answers with; throw it from any route. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldIssue[],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  /** The JSON body sent for this problem. */
  toJSON() {
    return {
      type: `/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }
}

/** Turns `['lines', 0, 'sku']` or `/lines/0/sku` into `lines[0].sku`. */
export function fieldPath(path: ReadonlyArray<PropertyKey> | string): string {
  const parts = typeof path === 'string' ? path.split('/').filter(Boolean) : path.map(String);
  return parts.reduce<string>(
    (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

const STATUS_SLUG: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  413: ['payload-too-large', 'Payload too large'],
  414: ['uri-too-long', 'URI too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  429: ['too-many-requests', 'Too many requests'],
};

/** The gRPC status of a failed Temporal call, when it has one. */
function grpcCode(error: unknown): number | undefined {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) ? grpc.code : undefined;
}

/** True for a Temporal call that failed because the service could not be reached: nothing happened. */
function isTemporalUnavailable(error: unknown): boolean {
  // gRPC status 14 UNAVAILABLE: the service was not there.
  if (grpcCode(error) === 14) return true;
  return error instanceof Error && /Failed to connect before the deadline/.test(error.message);
}

/** True for a Temporal call cut off by the request's deadline (gRPC 4 DEADLINE_EXCEEDED): it may still take effect. */
function isTemporalTimeout(error: unknown): boolean {
  return error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || grpcCode(error) === 4;
}

/** Fastify's `frameworkErrors`: errors raised before routing (an undecodable URL) leave as problems too. */
export function frameworkProblem(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  const problem =
    status === 500
      ? new Problem(
          500,
          'internal-error',
          'Internal error',
          'Something went wrong on our side; the request can be retried.',
        )
      : new Problem(status, ...(STATUS_SLUG[status] ?? ['client-error', 'Client error']), error.message);
  void reply.status(status).type('application/problem+json').send(problem.toJSON());
}

/** Seconds a caller should wait before retrying a 503 or 504. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Makes every error leave as `application/problem+json`, with no stack traces and no 5xx detail.
 * `allowedMethods` names the methods a path has, so a known path asked with another method is a 405.
 */
export function registerProblemHandlers(
  app: FastifyInstance,
  allowedMethods: (path: string) => string[] = () => [],
): void {
  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    let problem: Problem;
    if (error instanceof Problem) {
      problem = error;
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.flatMap((issue) => {
        const base = fieldPath(issue.instancePath);
        const unknownKeys = (issue.params as { keys?: string[] } | undefined)?.keys;
        // Name each unknown field instead of pointing at the object that holds it.
        if (issue.keyword === 'unrecognized_keys' && unknownKeys?.length) {
          return unknownKeys.map((key) => ({ path: base ? `${base}.${key}` : key, message: 'is not a known field' }));
        }
        return [{ path: base || where, message: issue.message ?? 'is invalid' }];
      });
      problem = new Problem(
        400,
        'validation-error',
        'Invalid request',
        `The request ${where} has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
        errors,
      );
    } else if (isTemporalUnavailable(error)) {
      request.log.warn({ err: error }, 'Temporal unavailable');
      problem = new Problem(
        503,
        'orchestrator-unavailable',
        'Order orchestrator unavailable',
        'The workflow service did not answer; nothing was changed, the request can be retried.',
      );
    } else if (isTemporalTimeout(error)) {
      request.log.warn({ err: error }, 'Temporal call timed out');
      problem = new Problem(
        504,
        'orchestrator-timeout',
        'Order orchestrator timed out',
        'The order did not answer in time. The request may still take effect: retry later with the same Idempotency-Key to get its answer.',
      );
    } else if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      problem = new Problem(
        503,
        'database-unavailable',
        'Database unavailable',
        'The database did not answer in time; the request can be retried.',
      );
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      const [slug, title] = STATUS_SLUG[error.statusCode] ?? ['client-error', 'Client error'];
      problem = new Problem(error.statusCode, slug, title, error.message);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      problem = new Problem(
        500,
        'internal-error',
        'Internal error',
        'Something went wrong on our side; the request can be retried.',
      );
    }
    if (problem.status === 503 || problem.status === 504) reply.header('retry-after', RETRY_AFTER_SECONDS);
    return reply.status(problem.status).type('application/problem+json').send(problem.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      const problem = new Problem(
        405,
        'method-not-allowed',
        'Method not allowed',
        `${path} answers ${allowed.join(', ')}, not ${request.method}.`,
      );
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .type('application/problem+json')
        .send(problem.toJSON());
    }
    const problem = new Problem(404, 'not-found', 'Not found', `No route ${request.method} ${path}`);
    return reply.status(404).type('application/problem+json').send(problem.toJSON());
  });
}
