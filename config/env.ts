import { z } from 'zod';
import { DurationSchema } from './duration.js';
import { ORDER_TASK_QUEUE } from '../temporal/task-queue.js';

const ROLES = ['service', 'support', 'admin'] as const;
/** Who a caller is to the API. */
export type Role = (typeof ROLES)[number];

/** The dev keys that work when no keys are configured outside production. */
export const DEV_API_KEYS: ReadonlyArray<{ key: string; role: Role }> = [
  { key: 'dev-service-key', role: 'service' },
  { key: 'dev-support-key', role: 'support' },
  { key: 'dev-admin-key', role: 'admin' },
];
const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';
/** The payload key outside production when none is configured: known to everyone, so it protects nothing real. */
const DEV_PAYLOAD_KEY = { id: 'dev', key: Buffer.from('b3JkZXItb3JjaGVzdHJhdG9yLWRldi1wYXlsb2FkLWs=', 'base64') };

const optional = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/**
 * A comma-separated list of `name:value` entries. `entry` turns one into a value, or returns undefined
 * to refuse it; the message then says what `rule` the entries follow.
 */
function pairList<T>(rule: string, entry: (name: string, value: string) => T | undefined) {
  return z
    .string()
    .trim()
    .transform((list, ctx) => {
      const values: T[] = [];
      for (const part of list.split(',').map((item) => item.trim()).filter(Boolean)) {
        const [name, value = ''] = part.split(':', 2) as [string, string | undefined];
        const parsed = entry(name, value);
        if (parsed === undefined) {
          ctx.addIssue({ code: 'custom', message: `entries are ${rule}; got "${name}:…"` });
          return z.NEVER;
        }
        values.push(parsed);
      }
      return values;
    });
}

const ApiKeysSchema = pairList(`role:key with role one of ${ROLES.join(', ')} and a key of 16+ characters`, (role, key) =>
  ROLES.includes(role as Role) && key.length >= 16 ? { key, role: role as Role } : undefined,
);

const PayloadKeysSchema = pairList('id:key with a key of 32 bytes in base64 (openssl rand -base64 32)', (id, encoded) => {
  const key = Buffer.from(encoded, 'base64');
  return /^[\w.-]{1,40}$/.test(id) && key.length === 32 ? { id, key } : undefined;
});

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(ORDER_TASK_QUEUE),
  TEMPORAL_API_KEY: optional,
  TEMPORAL_TLS_CERT_PATH: optional,
  TEMPORAL_TLS_KEY_PATH: optional,
  TEMPORAL_TLS_CA_PATH: optional,
  TEMPORAL_TLS_SERVER_NAME: optional,
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  API_KEYS: optional.pipe(ApiKeysSchema.optional()),
  PAYMENT_WEBHOOK_SECRET: optional,
  CARRIER_WEBHOOK_SECRET: optional,
  PAYLOAD_CODEC_KEYS: optional.pipe(PayloadKeysSchema.optional()),
  TEMPORAL_UI_ORIGINS: optional.pipe(z.string().transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)).pipe(z.array(z.url())).optional()),
  SANDBOX_CARRIER_DAY: DurationSchema.prefault('1d'),
  PLACEMENT_SWEEP_INTERVAL: DurationSchema.prefault('30s'),
  CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR').default('EUR'),
  POLICY_PAYMENT_TIMEOUT: DurationSchema.prefault('30m'),
  POLICY_CONFIRMATION_TIMEOUT: DurationSchema.prefault('1d'),
  POLICY_SHORTAGE_DECISION_TIMEOUT: DurationSchema.prefault('2d'),
  POLICY_INFO_HOLD_TIMEOUT: DurationSchema.prefault('3d'),
  POLICY_DELIVERY_GRACE: DurationSchema.prefault('1d'),
  POLICY_RETURN_WINDOW: DurationSchema.prefault('14d'),
  POLICY_SURVEY_WINDOW: DurationSchema.prefault('7d'),
  API_REQUEST_TIMEOUT: DurationSchema.prefault('10s'),
  API_DB_STATEMENT_TIMEOUT: DurationSchema.prefault('5s'),
});

/** The whole runtime configuration, read once from the environment. */
export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof EnvSchema>) {
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    http: { port: env.PORT, host: env.HOST },
    dataDir: env.DATA_DIR,
    currency: env.CURRENCY,
    databaseUrl: env.DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      apiKey: env.TEMPORAL_API_KEY,
      tls: env.TEMPORAL_TLS_CERT_PATH
        ? { certPath: env.TEMPORAL_TLS_CERT_PATH, keyPath: env.TEMPORAL_TLS_KEY_PATH!, caPath: env.TEMPORAL_TLS_CA_PATH, serverName: env.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      uiPort: env.TEMPORAL_UI_PORT,
      /** Where Temporal UI runs: the origins allowed to call the codec endpoint from the browser. */
      uiOrigins: env.TEMPORAL_UI_ORIGINS ?? [`http://localhost:${env.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`],
      /** Keys for the payload codec: the first encrypts, all decrypt. */
      payloadKeys: env.PAYLOAD_CODEC_KEYS ?? (production ? [] : [DEV_PAYLOAD_KEY]),
    },
    apiKeys: env.API_KEYS ?? (production ? [] : [...DEV_API_KEYS]),
    usingDevKeys: !env.API_KEYS && !production,
    paymentWebhookSecret: env.PAYMENT_WEBHOOK_SECRET ?? (production ? '' : DEV_WEBHOOK_SECRET),
    sandbox: { carrierDayMs: env.SANDBOX_CARRIER_DAY },
    /** How often the API looks for recorded orders whose workflow start is still owed. */
    placementSweepMs: env.PLACEMENT_SWEEP_INTERVAL,
    /** Deadlines of the API: a whole request, and one statement (or connection attempt) of its database. */
    api: { requestTimeoutMs: env.API_REQUEST_TIMEOUT, dbStatementTimeoutMs: env.API_DB_STATEMENT_TIMEOUT },
    carrierWebhookSecret: env.CARRIER_WEBHOOK_SECRET ?? (production ? '' : DEV_WEBHOOK_SECRET),
    policy: {
      paymentTimeoutMs: env.POLICY_PAYMENT_TIMEOUT,
      confirmationTimeoutMs: env.POLICY_CONFIRMATION_TIMEOUT,
      shortageDecisionTimeoutMs: env.POLICY_SHORTAGE_DECISION_TIMEOUT,
      infoHoldTimeoutMs: env.POLICY_INFO_HOLD_TIMEOUT,
      deliveryGraceMs: env.POLICY_DELIVERY_GRACE,
      returnWindowMs: env.POLICY_RETURN_WINDOW,
      surveyWindowMs: env.POLICY_SURVEY_WINDOW,
    },
  };
}

/** Raised when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {}

/** Reads and validates the configuration from `env`; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = toConfig(parsed.data);
  const problems: string[] = [];
  if (config.env === 'production' && config.apiKeys.length === 0) problems.push('  API_KEYS: required in production (role:key,role:key)');
  if (config.env === 'production' && !config.paymentWebhookSecret) problems.push('  PAYMENT_WEBHOOK_SECRET: required in production');
  if (config.env === 'production' && !config.carrierWebhookSecret) problems.push('  CARRIER_WEBHOOK_SECRET: required in production');
  if (config.env === 'production' && config.temporal.payloadKeys.length === 0) problems.push('  PAYLOAD_CODEC_KEYS: required in production (id:base64-key of 32 bytes)');
  if (env.TEMPORAL_TLS_CERT_PATH && !env.TEMPORAL_TLS_KEY_PATH) problems.push('  TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return config;
}
