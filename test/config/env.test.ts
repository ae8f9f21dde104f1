import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_API_KEYS, loadConfig } from '../../config/env.js';

describe('loadConfig', () => {
  it('runs with nothing configured: embedded services, dev keys, default policy', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.apiKeys).toEqual(DEV_API_KEYS);
    expect(config.paymentWebhookSecret).toBe('dev-webhook-secret');
    expect(config.policy.paymentTimeoutMs).toBe(30 * 60_000);
    expect(config.http.port).toBe(3000);
  });

  it('reads duration strings for the order policy', () => {
    const config = loadConfig({ POLICY_PAYMENT_TIMEOUT: '5s', POLICY_RETURN_WINDOW: '2d', POLICY_SURVEY_WINDOW: '90m' });
    expect(config.policy).toMatchObject({ paymentTimeoutMs: 5_000, returnWindowMs: 2 * 86_400_000, surveyWindowMs: 90 * 60_000 });
  });

  it('names every bad variable', () => {
    const error = (() => {
      try {
        loadConfig({ POLICY_PAYMENT_TIMEOUT: 'soon', PORT: 'eighty', DATABASE_URL: 'mysql://x', API_KEYS: 'boss:short' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['POLICY_PAYMENT_TIMEOUT', 'PORT', 'DATABASE_URL', 'API_KEYS']) expect(error.message).toContain(name);
  });

  it('refuses to start in production without API keys or a webhook secret, and never uses dev keys there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS: required in production[\s\S]*PAYMENT_WEBHOOK_SECRET[\s\S]*PAYLOAD_CODEC_KEYS/);
    const payloadKey = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      NODE_ENV: 'production',
      API_KEYS: 'service:0123456789abcdef0123,admin:fedcba9876543210fedc',
      PAYMENT_WEBHOOK_SECRET: 's3cret',
      CARRIER_WEBHOOK_SECRET: 's3cret2',
      PAYLOAD_CODEC_KEYS: `k2:${payloadKey},k1:${payloadKey}`,
    });
    expect(config.temporal.payloadKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(() => loadConfig({ PAYLOAD_CODEC_KEYS: 'k1:dG9vIHNob3J0' })).toThrow(/PAYLOAD_CODEC_KEYS: entries are id:key with a key of 32 bytes/);
    expect(config.apiKeys).toEqual([
      { role: 'service', key: '0123456789abcdef0123' },
      { role: 'admin', key: 'fedcba9876543210fedc' },
    ]);
    expect(config.usingDevKeys).toBe(false);
  });

  it('reads Temporal Cloud settings', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key' });
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'key' });
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/tmp/client.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
  });
});
