/**
 * `npm run dev`: the whole system on one machine. Starts what the environment does not provide
 * (Temporal dev server with UI, embedded Postgres), migrates and seeds, then the worker and the API.
 */
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/env.js';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { seedDatabase } from '../db/seed.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { ensureTemporalCli } from '../infra/temporal-cli.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { startServer } from '../server.js';
import { startWorker } from '../worker.js';

const log = (line: string) => console.log(`[dev] ${line}`);
const stops: Array<() => Promise<void>> = [];

async function main() {
  const config = loadConfig();
  const dataDir = resolve(config.dataDir);

  let temporalAddress = config.temporal.address;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    const binary = await ensureTemporalCli(log);
    const server = await startTemporalDevServer({
      binary,
      port: Number(process.env.TEMPORAL_DEV_PORT ?? 7233),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dbFile: join(dataDir, 'temporal', 'temporal.db'),
      log,
    });
    stops.unshift(server.stop);
    temporalAddress = server.address;
    temporalUi = server.uiUrl;
  }

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const database = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329), database: 'orders', log });
    stops.unshift(database.stop);
    databaseUrl = database.url;
  }

  await runMigrations(databaseUrl);
  const seeding = createDatabase(databaseUrl, { max: 1 });
  await seedDatabase(seeding.db, config.currency).finally(() => seeding.close());
  log('database migrated and seeded');

  const worker = await startWorker({ config, temporalAddress, databaseUrl });
  stops.unshift(worker.stop);
  const api = await startServer({ config, temporalAddress, databaseUrl });
  stops.unshift(api.stop);

  console.log(`
  Order orchestrator is running
    API          ${api.url}
    OpenAPI docs ${api.url}/docs
    Temporal UI  ${temporalUi ?? '(external Temporal: use its own UI)'}  namespace "${config.temporal.namespace}"
    Temporal     ${temporalAddress}
    Postgres     ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}
  ${config.usingDevKeys ? `Dev API keys (Authorization: Bearer <key>): ${config.apiKeys.map((k) => `${k.role}=${k.key}`).join('  ')}
    Payment webhook secret: ${config.paymentWebhookSecret}` : 'API keys: from API_KEYS'}
  Ctrl-C stops everything; data stays in ${dataDir}.
`);
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('shutting down…');
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      log(`while stopping: ${(error as Error).message}`);
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch(async (error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  await shutdown(1);
});
