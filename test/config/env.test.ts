import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_API_KEYS, loadConfig } from '../../config/env.js';

describe('loadConfig', () => {
  it('runs with nothing configured under the dev launcher (DEV_DEFAULTS=1): embedded services, dev keys, default policy', () => {
    const config = loadConfig({ DEV_DEFAULTS: '1' });
    expect(config.temporal.address).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.apiKeys).toEqual(DEV_API_KEYS);
    expect(config.apiKeys).toContainEqual({ key: 'dev-marketplace-key', role: 'service', name: 'marketplace' });
    expect(config.usingDevKeys).toBe(true);
    expect(config.paymentWebhookSecret).toBe('dev-webhook-secret');
    expect(config.temporal.payloadKeys.map((k) => k.id)).toEqual(['dev']);
    expect(config.policy.paymentTimeoutMs).toBe(30 * 60_000);
    expect(config.http.port).toBe(3000);
    expect(config.limits).toEqual({ requestsPerMinute: 6000, openUnpaidOrdersPerCustomer: 10 });
    expect(loadConfig({ NODE_ENV: 'test' }).apiKeys).toEqual(DEV_API_KEYS);
  });

  it('fails closed: without the dev launcher or tests, no dev key, dev secret or public payload key; each missing secret is named', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { DEV_DEFAULTS: '0' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(
        /API_KEYS: required[\s\S]*PAYMENT_WEBHOOK_SECRET: required[\s\S]*CARRIER_WEBHOOK_SECRET: required[\s\S]*PAYLOAD_CODEC_KEYS: required/,
      );
    }
    // The worker needs the secrets it signs and encrypts with, not API keys; tools like migrate need none.
    expect(() => loadConfig({}, 'worker')).toThrow(/PAYMENT_WEBHOOK_SECRET/);
    expect(() => loadConfig({}, 'worker')).not.toThrow(/API_KEYS/);
    expect(loadConfig({}, 'tool').apiKeys).toEqual([]);
    expect(loadConfig({}, 'tool').temporal.payloadKeys).toEqual([]);
    expect(() => loadConfig({ NODE_ENV: 'production', DEV_DEFAULTS: '1' })).toThrow(
      /DEV_DEFAULTS: never in production/,
    );
  });

  it('reads named keys role:name:key, the older role:key named after its role, and the inventory role', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      API_KEYS: 'service:shop:0123456789abcdef0123, service:abcdef0123456789abcd, inventory:wms-1:fedcba9876543210fedc',
    });
    expect(config.apiKeys).toEqual([
      { role: 'service', name: 'shop', key: '0123456789abcdef0123' },
      { role: 'service', name: 'service', key: 'abcdef0123456789abcd' },
      { role: 'inventory', name: 'wms-1', key: 'fedcba9876543210fedc' },
    ]);
    expect(config.usingDevKeys).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'test', API_KEYS: 'service:bad name:0123456789abcdef0123' })).toThrow(
      /API_KEYS: entries are role:name:key/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', API_KEYS: 'service:a:b:0123456789abcdef0123' })).toThrow(/API_KEYS/);
  });

  it('reads duration strings for the order policy', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      POLICY_PAYMENT_TIMEOUT: '5s',
      POLICY_RETURN_WINDOW: '2d',
      POLICY_SURVEY_WINDOW: '90m',
    });
    expect(config.policy).toMatchObject({
      paymentTimeoutMs: 5_000,
      returnWindowMs: 2 * 86_400_000,
      surveyWindowMs: 90 * 60_000,
    });
  });

  it('reads the velocity rules: five orders an hour per customer and per address by default, a count or off', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).risk).toEqual({
      windowMs: 3_600_000,
      maxOrdersPerCustomer: 5,
      maxOrdersPerAddress: 5,
    });
    const config = loadConfig({
      NODE_ENV: 'test',
      RISK_VELOCITY_WINDOW: '30m',
      RISK_MAX_ORDERS_PER_CUSTOMER: '12',
      RISK_MAX_ORDERS_PER_ADDRESS: 'off',
    });
    expect(config.risk).toEqual({ windowMs: 1_800_000, maxOrdersPerCustomer: 12, maxOrdersPerAddress: null });
    expect(() => loadConfig({ NODE_ENV: 'test', RISK_MAX_ORDERS_PER_CUSTOMER: '0' })).toThrow(
      /RISK_MAX_ORDERS_PER_CUSTOMER: expected a whole number of at least 1, or off/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', RISK_VELOCITY_WINDOW: '60' })).toThrow(/RISK_VELOCITY_WINDOW/);
  });

  it('names every bad variable', () => {
    const error = (() => {
      try {
        loadConfig({
          POLICY_PAYMENT_TIMEOUT: 'soon',
          PORT: 'eighty',
          DATABASE_URL: 'mysql://x',
          API_KEYS: 'boss:short',
        });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['POLICY_PAYMENT_TIMEOUT', 'PORT', 'DATABASE_URL', 'API_KEYS'])
      expect(error.message).toContain(name);
  });

  it('refuses to start in production without API keys or a webhook secret, and never uses dev keys there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /API_KEYS: required[\s\S]*PAYMENT_WEBHOOK_SECRET[\s\S]*PAYLOAD_CODEC_KEYS/,
    );
    const payloadKey = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      NODE_ENV: 'production',
      API_KEYS: 'service:0123456789abcdef0123,admin:fedcba9876543210fedc',
      PAYMENT_WEBHOOK_SECRET: 's3cret',
      CARRIER_WEBHOOK_SECRET: 's3cret2',
      PAYLOAD_CODEC_KEYS: `k2:${payloadKey},k1:${payloadKey}`,
    });
    expect(config.temporal.payloadKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(() => loadConfig({ NODE_ENV: 'test', PAYLOAD_CODEC_KEYS: 'k1:dG9vIHNob3J0' })).toThrow(
      /PAYLOAD_CODEC_KEYS: entries are id:key with a key of 32 bytes/,
    );
    expect(config.apiKeys).toEqual([
      { role: 'service', name: 'service', key: '0123456789abcdef0123' },
      { role: 'admin', name: 'admin', key: 'fedcba9876543210fedc' },
    ]);
    expect(config.usingDevKeys).toBe(false);
  });

  it('reads Temporal Cloud settings', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'key',
    });
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'key' });
    expect(() => loadConfig({ NODE_ENV: 'test', TEMPORAL_TLS_CERT_PATH: '/tmp/client.pem' })).toThrow(
      /TEMPORAL_TLS_KEY_PATH/,
    );
  });
});

describe('starting without real secrets', () => {
  const start = async (script: string) => {
    // Only what a bare deploy would have: where Temporal and Postgres are, and no secrets.
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    };
    try {
      await promisify(execFile)('node_modules/.bin/tsx', [script], { env, timeout: 30_000 });
      return { code: 0, stderr: '' };
    } catch (error) {
      const failed = error as { code?: number; stderr?: string };
      return { code: failed.code, stderr: failed.stderr ?? '' };
    }
  };

  it('npm run start:server and start:worker refuse to start, naming what is missing', async () => {
    const [server, worker] = await Promise.all([start('server.ts'), start('worker.ts')]);
    expect(server.code).toBe(1);
    for (const name of ['API_KEYS', 'PAYMENT_WEBHOOK_SECRET', 'CARRIER_WEBHOOK_SECRET', 'PAYLOAD_CODEC_KEYS'])
      expect(server.stderr).toContain(`${name}: required`);
    expect(server.stderr).toContain('Refusing to start');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('PAYLOAD_CODEC_KEYS: required');
    expect(worker.stderr).not.toContain('API_KEYS');
  }, 60_000);
});
