import { z } from 'zod';
import { DurationSchema } from './duration.js';
import { ORDER_TASK_QUEUE } from '../temporal/task-queue.js';
import { ROLES, type Role } from '../domain/caller.js';
import { PAYMENT_METHODS, type PaymentMethod } from '../domain/order-schema.js';
import type { VelocityRules } from '../domain/risk.js';
import { DEFAULT_FEES, SETTLEMENT_CYCLES, type Fee, type SettlementCycle } from '../domain/settlement.js';

export type { Role } from '../domain/caller.js';

/** One API key: the secret, what it may do, and the name the caller acts under (orders it places, actor of record). */
export interface ApiKey {
  key: string;
  role: Role;
  name: string;
}

/** The dev keys that work only with dev defaults (`npm run dev`, demo, bench and tests). */
export const DEV_API_KEYS: ReadonlyArray<ApiKey> = [
  { key: 'dev-service-key', role: 'service', name: 'service' },
  { key: 'dev-marketplace-key', role: 'service', name: 'marketplace' },
  { key: 'dev-support-key', role: 'support', name: 'support' },
  { key: 'dev-admin-key', role: 'admin', name: 'admin' },
  { key: 'dev-inventory-key', role: 'inventory', name: 'inventory' },
];
const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';
/** The payload key with dev defaults when none is configured: known to everyone, so it protects nothing real. */
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
      for (const part of list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)) {
        const colon = part.indexOf(':');
        const [name, value] = colon < 0 ? [part, ''] : [part.slice(0, colon), part.slice(colon + 1)];
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

const KEY_NAME = /^[A-Za-z0-9][\w.-]{0,39}$/;

// `role:name:key`, or the older `role:key` named after its role. Keys with the same name are one caller (rotation).
const ApiKeysSchema = pairList(
  `role:name:key (or role:key) with role one of ${ROLES.join(', ')}, a name of letters, digits, . _ - and a key of 16+ characters`,
  (role, rest): ApiKey | undefined => {
    const parts = rest.split(':');
    const [name, key] = parts.length === 1 ? [role, parts[0]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
    return ROLES.includes(role as Role) && KEY_NAME.test(name) && key.length >= 16
      ? { key, role: role as Role, name }
      : undefined;
  },
);

const PayloadKeysSchema = pairList(
  'id:key with a key of 32 bytes in base64 (openssl rand -base64 32)',
  (id, encoded) => {
    const key = Buffer.from(encoded, 'base64');
    return /^[\w.-]{1,40}$/.test(id) && key.length === 32 ? { id, key } : undefined;
  },
);

// `cycle,cycle`: the settlement cycles Temporal Schedules run; empty runs none.
const CyclesSchema = z
  .string()
  .trim()
  .transform((list) => [
    ...new Set(
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.enum(SETTLEMENT_CYCLES, { message: `cycles are ${SETTLEMENT_CYCLES.join(', ')}` })));

// `method:2.9%+30`: a capture's fee per payment method, a percentage of the amount plus fixed minor units.
const FeesSchema = pairList(
  `method:percent%+fixed (such as credit_card:2.9%+30) with method one of ${PAYMENT_METHODS.join(', ')}`,
  (method, value): [PaymentMethod, Fee] | undefined => {
    const match = /^(\d{1,2}(?:\.\d{1,2})?)%(?:\+(\d{1,6}))?$/.exec(value);
    if (!PAYMENT_METHODS.includes(method as PaymentMethod) || !match) return undefined;
    return [method as PaymentMethod, { basisPoints: Math.round(Number(match[1]) * 100), fixed: Number(match[2] ?? 0) }];
  },
);

// A most-allowed count of orders, or `off` for no limit.
const LimitOrOff = z
  .string()
  .trim()
  .regex(/^(off|[1-9]\d{0,5})$/, 'expected a whole number of at least 1, or off')
  .transform((value) => (value === 'off' ? null : Number(value)));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DEV_DEFAULTS: z.enum(['0', '1', '']).default(''),
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
  TEMPORAL_UI_ORIGINS: optional.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url()))
      .optional(),
  ),
  SANDBOX_CARRIER_DAY: DurationSchema.prefault('1d'),
  PLACEMENT_SWEEP_INTERVAL: DurationSchema.prefault('30s'),
  CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .default('EUR'),
  POLICY_PAYMENT_TIMEOUT: DurationSchema.prefault('30m'),
  POLICY_CONFIRMATION_TIMEOUT: DurationSchema.prefault('1d'),
  POLICY_SHORTAGE_DECISION_TIMEOUT: DurationSchema.prefault('2d'),
  POLICY_INFO_HOLD_TIMEOUT: DurationSchema.prefault('3d'),
  POLICY_DELIVERY_GRACE: DurationSchema.prefault('1d'),
  POLICY_PARCEL_LOST_AFTER: DurationSchema.prefault('30d'),
  POLICY_RETURN_WINDOW: DurationSchema.prefault('14d'),
  POLICY_SURVEY_WINDOW: DurationSchema.prefault('7d'),
  POLICY_PRODUCTION_OVERDUE_AFTER: DurationSchema.prefault('14d'),
  POLICY_MAX_REWORK_ROUNDS: z.coerce.number().int().min(0).max(10).prefault(2),
  STAFF_ALERT_WAIT_AFTER: DurationSchema.prefault('4h'),
  SETTLEMENT_CYCLES: CyclesSchema.prefault('daily'),
  SETTLEMENT_FEES: FeesSchema.prefault(''),
  SETTLEMENT_SCHEDULE_EVERY: optional.pipe(DurationSchema.optional()),
  SETTLEMENT_CHARGEBACK_FEE: z.coerce.number().int().min(0).max(1_000_000).prefault(DEFAULT_FEES.chargeback),
  REFUND_CONFIRM_WITHIN: DurationSchema.prefault('1h'),
  REFUND_MAX_FOLLOW_UPS: z.coerce.number().int().min(0).max(20).prefault(3),
  REFUND_FOLLOW_UP_EVERY: DurationSchema.prefault('15m'),
  SANDBOX_REFUND_DELAY: DurationSchema.prefault('2s'),
  SANDBOX_WEBHOOK_SEND_EVERY: DurationSchema.prefault('500ms'),
  API_REQUEST_TIMEOUT: DurationSchema.prefault('10s'),
  API_DB_STATEMENT_TIMEOUT: DurationSchema.prefault('5s'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  MAX_OPEN_UNPAID_ORDERS_PER_CUSTOMER: z.coerce.number().int().min(1).default(10),
  RISK_VELOCITY_WINDOW: DurationSchema.prefault('1h'),
  RISK_MAX_ORDERS_PER_CUSTOMER: LimitOrOff.prefault('5'),
  RISK_MAX_ORDERS_PER_ADDRESS: LimitOrOff.prefault('5'),
});

/** The whole runtime configuration, read once from the environment. */
export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof EnvSchema>) {
  // Dev keys, the dev webhook secret, the public payload key and the open codec endpoint only when a
  // local launcher (dev, demo, bench) or the tests ask for them: a bare server must not fall back to them.
  const dev = env.NODE_ENV !== 'production' && (env.DEV_DEFAULTS === '1' || env.NODE_ENV === 'test');
  return {
    /** Whether the dev defaults fill in what is not configured. */
    devDefaults: dev,
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
        ? {
            certPath: env.TEMPORAL_TLS_CERT_PATH,
            keyPath: env.TEMPORAL_TLS_KEY_PATH!,
            caPath: env.TEMPORAL_TLS_CA_PATH,
            serverName: env.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      uiPort: env.TEMPORAL_UI_PORT,
      /** Where Temporal UI runs: the origins allowed to call the codec endpoint from the browser. */
      uiOrigins: env.TEMPORAL_UI_ORIGINS ?? [
        `http://localhost:${env.TEMPORAL_UI_PORT}`,
        `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
      ],
      /** Keys for the payload codec: the first encrypts, all decrypt. */
      payloadKeys: env.PAYLOAD_CODEC_KEYS ?? (dev ? [DEV_PAYLOAD_KEY] : []),
    },
    apiKeys: env.API_KEYS ?? (dev ? [...DEV_API_KEYS] : []),
    usingDevKeys: !env.API_KEYS && dev,
    paymentWebhookSecret: env.PAYMENT_WEBHOOK_SECRET ?? (dev ? DEV_WEBHOOK_SECRET : ''),
    sandbox: {
      carrierDayMs: env.SANDBOX_CARRIER_DAY,
      refundDelayMs: env.SANDBOX_REFUND_DELAY,
      /** How often the sandbox payment provider (in the API) sends the webhooks it owes. */
      webhookSendEveryMs: env.SANDBOX_WEBHOOK_SEND_EVERY,
    },
    /** How often the API looks for owed work: order workflows not started, webhook events not delivered. */
    placementSweepMs: env.PLACEMENT_SWEEP_INTERVAL,
    /** Deadlines of the API: a whole request, and one statement (or connection attempt) of its database. */
    api: { requestTimeoutMs: env.API_REQUEST_TIMEOUT, dbStatementTimeoutMs: env.API_DB_STATEMENT_TIMEOUT },
    carrierWebhookSecret: env.CARRIER_WEBHOOK_SECRET ?? (dev ? DEV_WEBHOOK_SECRET : ''),
    limits: {
      requestsPerMinute: env.RATE_LIMIT_PER_MINUTE,
      openUnpaidOrdersPerCustomer: env.MAX_OPEN_UNPAID_ORDERS_PER_CUSTOMER,
    },
    policy: {
      paymentTimeoutMs: env.POLICY_PAYMENT_TIMEOUT,
      confirmationTimeoutMs: env.POLICY_CONFIRMATION_TIMEOUT,
      shortageDecisionTimeoutMs: env.POLICY_SHORTAGE_DECISION_TIMEOUT,
      infoHoldTimeoutMs: env.POLICY_INFO_HOLD_TIMEOUT,
      deliveryGraceMs: env.POLICY_DELIVERY_GRACE,
      parcelLostAfterMs: env.POLICY_PARCEL_LOST_AFTER,
      returnWindowMs: env.POLICY_RETURN_WINDOW,
      surveyWindowMs: env.POLICY_SURVEY_WINDOW,
      productionOverdueAfterMs: env.POLICY_PRODUCTION_OVERDUE_AFTER,
      maxReworkRounds: env.POLICY_MAX_REWORK_ROUNDS,
    },
    /** Velocity rules: more orders than these in the window, from one customer or to one door, go to a person. */
    risk: {
      windowMs: env.RISK_VELOCITY_WINDOW,
      maxOrdersPerCustomer: env.RISK_MAX_ORDERS_PER_CUSTOMER,
      maxOrdersPerAddress: env.RISK_MAX_ORDERS_PER_ADDRESS,
    } satisfies VelocityRules,
    /** How long an order may wait on a person (confirmation, shortage decision, hold) before staff are alerted. */
    staffAlerts: { waitAfterMs: env.STAFF_ALERT_WAIT_AFTER },
    settlement: {
      /** The cycles Temporal Schedules settle. */
      cycles: env.SETTLEMENT_CYCLES as SettlementCycle[],
      /** Fire every cycle's Schedule at this interval instead of its calendar (tests, demos). */
      scheduleEveryMs: env.SETTLEMENT_SCHEDULE_EVERY,
      fees: {
        byMethod: { ...DEFAULT_FEES.byMethod, ...Object.fromEntries(env.SETTLEMENT_FEES) },
        chargeback: env.SETTLEMENT_CHARGEBACK_FEE,
      },
    },
    /** Refunds are pending until the provider confirms them: how long to wait, how often to ask again, how often to look. */
    refunds: {
      confirmWithinMs: env.REFUND_CONFIRM_WITHIN,
      maxFollowUps: env.REFUND_MAX_FOLLOW_UPS,
      followUpEveryMs: env.REFUND_FOLLOW_UP_EVERY,
    },
  };
}

const DEV_DEFAULTS_HINT = '`npm run dev`, which sets DEV_DEFAULTS=1, or NODE_ENV=test';

/** Raised when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {}

/** Which process reads the configuration: each refuses to start without the secrets it uses. */
export type ConfigReader = 'api' | 'worker' | 'tool';

/**
 * Reads and validates the configuration from `env`; throws ConfigError naming each bad variable and
 * each secret the `reader` needs that is neither configured nor filled in by the dev defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, reader: ConfigReader = 'api'): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = toConfig(parsed.data);
  const problems: string[] = [];
  const required = `required (dev defaults only with ${DEV_DEFAULTS_HINT})`;
  if (config.env === 'production' && parsed.data.DEV_DEFAULTS === '1')
    problems.push('  DEV_DEFAULTS: never in production');
  if (reader === 'api' && config.apiKeys.length === 0) problems.push(`  API_KEYS: ${required}; entries role:name:key`);
  if (reader !== 'tool' && !config.paymentWebhookSecret) problems.push(`  PAYMENT_WEBHOOK_SECRET: ${required}`);
  if (reader !== 'tool' && !config.carrierWebhookSecret) problems.push(`  CARRIER_WEBHOOK_SECRET: ${required}`);
  if (reader !== 'tool' && config.temporal.payloadKeys.length === 0)
    problems.push(`  PAYLOAD_CODEC_KEYS: ${required}; entries id:base64-key of 32 bytes`);
  if (env.TEMPORAL_TLS_CERT_PATH && !env.TEMPORAL_TLS_KEY_PATH)
    problems.push('  TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return config;
}

/** For a process's entry point: the configuration, or the message naming what is wrong and exit code 1. */
export function readConfigOrExit(reader: ConfigReader = 'api'): Config {
  try {
    return loadConfig(process.env, reader);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\nRefusing to start.`);
    process.exit(1);
  }
}
