/**
 * `npm run demo`: watch orders live. Uses the API at DEMO_API_URL when one answers there;
 * otherwise starts the whole local stack with minute-long policy windows, then plays the shop,
 * payment provider, carrier, support and customers for a mix of orders.
 */
import { ConfigError, loadConfig } from '../config/env.js';
import { startLocalStack, type LocalStack } from '../infra/local-stack.js';
import { demoScenarios } from '../sandbox/demo-scenarios.js';
import { runSimulation } from '../sandbox/simulator.js';
import { describeStack, stopOnSignals } from './dev.js';

const log = (line: string) => console.log(`[demo] ${line}`);
// Short windows so every order reaches its end within a few minutes; explicit settings win.
const DEMO_POLICY: Record<string, string> = {
  POLICY_PAYMENT_TIMEOUT: '90s',
  POLICY_CONFIRMATION_TIMEOUT: '2m',
  POLICY_DELIVERY_GRACE: '1m',
  POLICY_RETURN_WINDOW: '45s',
  POLICY_SURVEY_WINDOW: '30s',
  SANDBOX_CARRIER_DAY: '20s',
  STAFF_ALERT_WAIT_AFTER: '1m',
};

async function apiAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

try {
  const config = loadConfig({ DEV_DEFAULTS: '1', ...DEMO_POLICY, ...process.env });
  let apiUrl = process.env.DEMO_API_URL ?? `http://${config.http.host}:${config.http.port}`;
  let stack: LocalStack | undefined;
  if (await apiAnswers(apiUrl)) {
    log(`using the running API at ${apiUrl}; its policy windows decide how long orders take to complete`);
  } else {
    stack = await startLocalStack(config, log);
    apiUrl = stack.apiUrl;
    console.log(describeStack(stack, config));
  }
  stopOnSignals(stack, log);
  const [service, support, admin] = [
    config.apiKeys.find((k) => k.role === 'service'),
    config.apiKeys.find((k) => k.role === 'support'),
    config.apiKeys.find((k) => k.role === 'admin'),
  ];
  if (!service || !support) throw new Error('the demo needs a service and a support key in API_KEYS');
  log('open Temporal UI and filter by OrderStatus to watch orders move');
  const outcomes = await runSimulation(demoScenarios(Date.now().toString(36).toUpperCase()), {
    apiUrl,
    serviceKey: service.key,
    supportKey: support.key,
    ...(admin ? { adminKey: admin.key } : {}),
    webhookSecret: config.paymentWebhookSecret,
    timeoutMs: 10 * 60_000,
    log,
  });
  log(
    `done: ${Object.entries(outcomes)
      .map(([name, outcome]) => `${name} → ${outcome}`)
      .join('; ')}`,
  );
  if (stack) log('the stack keeps running for a look around; Ctrl-C stops it');
  else process.exit(0);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
