import { pathToFileURL } from 'node:url';
import { buildApp } from './api/app.js';
import { readConfigOrExit, type Config } from './config/env.js';
import { apiDatabaseOptions, createDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { sweepOwedWork } from './api/owed-work.js';
import { createSandboxStaffNotifier } from './sandbox/staff-notifier.js';
import { createApiTemporalClient } from './temporal/connection.js';

/** Where the API connects. */
export interface ServerSettings {
  config: Config;
  temporalAddress: string;
  databaseUrl: string;
  logger?: boolean;
}

/** A listening API; `stop()` closes it and its connections. */
export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Builds the API on a lazy Temporal connection (so /ready reports instead of crashing), listens, and sweeps for owed work (order workflows, webhook deliveries). */
export async function startServer(settings: ServerSettings): Promise<RunningServer> {
  const { config } = settings;
  const database = createDatabase(settings.databaseUrl, apiDatabaseOptions(config.api));
  const { connection, client: temporal } = createApiTemporalClient({
    ...config.temporal,
    address: settings.temporalAddress,
  });
  const app = await buildApp({
    config,
    db: database.db,
    temporal,
    logger: settings.logger ? { level: 'info' } : false,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  const sweep = sweepOwedWork(
    {
      db: database.db,
      temporal,
      taskQueue: config.temporal.taskQueue,
      staffAlerts: { notifier: createSandboxStaffNotifier(database.db), waitAfterMs: config.staffAlerts.waitAfterMs },
      log: (message) => app.log.warn(message),
    },
    config.placementSweepMs,
  );
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  return {
    url: `http://${config.http.host}:${port}`,
    async stop() {
      await sweep.stop();
      await app.close();
      await connection.close();
      await database.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = readConfigOrExit();
  if (!config.temporal.address || !config.databaseUrl) {
    console.error(
      'server.ts needs TEMPORAL_ADDRESS and DATABASE_URL; `npm run dev` starts everything with embedded defaults.',
    );
    process.exit(1);
  }
  await runMigrations(config.databaseUrl);
  const server = await startServer({
    config,
    temporalAddress: config.temporal.address,
    databaseUrl: config.databaseUrl,
    logger: true,
  });
  const shutdown = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
