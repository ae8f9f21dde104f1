import type { FastifyServerOptions } from 'fastify';

/** Error fields that say what went wrong without saying about whom (no SQL parameters, no row details). */
const SAFE_FIELDS = [
  'code',
  'statusCode',
  'severity',
  'routine',
  'schema_name',
  'table_name',
  'column_name',
  'constraint_name',
  'validationContext',
] as const;
const MAX_CAUSES = 3;

/** Drizzle puts a failed query's parameters (e-mails, names, addresses) into the message itself. */
function withoutParameters(message: string): string {
  const at = message.indexOf('\nparams:');
  return at === -1 ? message : `${message.slice(0, at)}\nparams: [redacted]`;
}

/**
 * An error as the log keeps it: type, message (SQL parameters cut), stack frames, code and the
 * Postgres fields that name a constraint or column, and the same for its causes. Never the driver's
 * `parameters`/`query` arguments, a row's `detail` ("Key (email)=(…)") or a request body.
 */
export function safeErrorForLog(
  error: unknown,
  depth = 0,
): { type: string; message: string; stack: string; [field: string]: unknown } {
  if (!(error instanceof Error)) return { type: typeof error, message: '[non-error value]', stack: '' };
  const type = error.constructor?.name ?? error.name;
  const message = withoutParameters(error.message);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const kept: { type: string; message: string; stack: string; [field: string]: unknown } = {
    type,
    message,
    stack: [`${type}: ${message}`, ...frames].join('\n'),
  };
  const fields = error as unknown as Record<string, unknown>;
  for (const field of SAFE_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number') kept[field] = value;
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) kept.cause = safeErrorForLog(error.cause, depth + 1);
  return kept;
}

type LoggerOption = FastifyServerOptions['logger'];

/** The API's logger options with the safe error serializer and request bodies and credentials redacted. */
export function safeLoggerOptions(logger: LoggerOption): LoggerOption {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  return {
    ...options,
    serializers: { ...options.serializers, err: safeErrorForLog, error: safeErrorForLog },
    redact: options.redact ?? {
      paths: ['body', 'req.body', 'request.body', 'req.headers.authorization', 'req.headers["x-signature"]'],
      censor: '[redacted]',
    },
  };
}
