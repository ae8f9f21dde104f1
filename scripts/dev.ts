/**
 * `npm run dev`: the whole system on one machine. Starts what the environment does not provide
 * (Temporal dev server with UI, embedded Postgres), migrates and seeds, then the worker and the API.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from '../config/env.js';
import { startLocalStack, type LocalStack } from '../infra/local-stack.js';

const log = (line: string) => console.log(`[dev] ${line}`);

/** The banner newcomers read first: where everything is and how to get in. */
export function describeStack(stack: LocalStack, config: Config): string {
  return `
  Order orchestrator is running
    API          ${stack.apiUrl}
    OpenAPI docs ${stack.apiUrl}/docs
    Temporal UI  ${stack.temporalUiUrl ?? '(external Temporal: use its own UI)'}  namespace "${config.temporal.namespace}"
    Temporal     ${stack.temporalAddress}
    Postgres     ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}
  ${
    config.usingDevKeys
      ? `Dev API keys (Authorization: Bearer <key>): ${config.apiKeys.map((k) => `${k.name} (${k.role})=${k.key}`).join('  ')}
    Webhook secret (payments and carriers): ${config.paymentWebhookSecret}`
      : 'API keys: from API_KEYS'
  }
  Ctrl-C stops everything; data stays in ${resolve(config.dataDir)}.
`;
}

/** Stops the stack on Ctrl-C or SIGTERM, once. */
export function stopOnSignals(stack: LocalStack | undefined, log: (line: string) => void): void {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('shutting down…');
    await stack?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    // The local stack is the one place dev keys and secrets fill in what is not configured.
    const config = loadConfig({ DEV_DEFAULTS: '1', ...process.env });
    const stack = await startLocalStack(config, log);
    stopOnSignals(stack, log);
    console.log(describeStack(stack, config));
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
}
