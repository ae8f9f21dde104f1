import { join, resolve } from 'node:path';
import type { Config } from '../config/env.js';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { seedDatabase } from '../db/seed.js';
import { startServer } from '../server.js';
import { startWorker } from '../worker.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { startTemporalDevServer } from './temporal-dev-server.js';

/** The whole system running on this machine. */
export interface LocalStack {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts what the configuration does not point at (Temporal dev server with UI, embedded
 * PostgreSQL, both keeping data in DATA_DIR), migrates and seeds, then the worker and the API.
 */
export async function startLocalStack(config: Config, log: (line: string) => void): Promise<LocalStack> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops) {
      try {
        await step();
      } catch (error) {
        log(`while stopping: ${(error as Error).message}`);
      }
    }
  };
  try {
    const dataDir = resolve(config.dataDir);
    let temporalAddress = config.temporal.address;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      const binary = await ensureTemporalCli(log);
      const server = await startTemporalDevServer({
        binary,
        port: Number(process.env.TEMPORAL_DEV_PORT ?? 7233),
        uiPort: config.temporal.uiPort,
        // The browser calls the codec: name the API as the browser sees it.
        codecEndpoint: `http://${['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host}:${config.http.port}/codec`,
        namespace: config.temporal.namespace,
        dbFile: join(dataDir, 'temporal', 'temporal.db'),
        log,
      });
      stops.unshift(server.stop);
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
    }

    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const database = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329),
        database: 'orders',
        log,
      });
      stops.unshift(database.stop);
      databaseUrl = database.url;
    }

    await runMigrations(databaseUrl);
    const seeding = createDatabase(databaseUrl, { max: 1 });
    await seedDatabase(seeding.db, config.currency).finally(() => seeding.close());
    log('database migrated and seeded');

    const worker = await startWorker({ config, temporalAddress, databaseUrl, manageSchedules: true });
    stops.unshift(worker.stop);
    const api = await startServer({ config, temporalAddress, databaseUrl });
    stops.unshift(api.stop);
    return { apiUrl: api.url, temporalAddress, temporalUiUrl, databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
