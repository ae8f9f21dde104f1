import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
import { apiDatabaseOptions, createDatabase } from '../../db/client.js';
import { payloadDataConverter } from '../../temporal/connection.js';
import { startWorker, type RunningWorker } from '../../worker.js';

let runtimeInstalled = false;

/** Everything a test needs against the real services: API (inject), DB, Temporal client and a worker. */
export async function startTestStack(env: Record<string, string> = {}) {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const temporalAddress = inject('temporalAddress');
  const databaseUrl = inject('databaseUrl');
  const taskQueue = `test-${randomUUID()}`;
  // Tests poll the read model quickly from one key: the rate limit is tested on an app of its own (RATE_LIMIT_PER_MINUTE in env).
  const config = loadConfig({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: temporalAddress,
    DATABASE_URL: databaseUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Test files place many orders to the fixture address in one shared database: velocity rules only where a test turns them on.
    RISK_MAX_ORDERS_PER_CUSTOMER: 'off',
    RISK_MAX_ORDERS_PER_ADDRESS: 'off',
    ...env,
  });
  const database = createDatabase(databaseUrl, apiDatabaseOptions(config.api));
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: payloadDataConverter(config.temporal),
  });
  const app = await buildApp({ config, db: database.db, temporal: client });
  let worker: RunningWorker | undefined;

  const stack = {
    config,
    db: database.db,
    sql: database.sql,
    client,
    app,
    taskQueue,
    /** Starts a worker on this stack's task queue (one at a time). */
    async startWorker() {
      worker = await startWorker({
        config,
        temporalAddress,
        databaseUrl,
        workflowBundle: { codePath: inject('workflowBundlePath') },
      });
      return worker;
    },
    /** Stops the running worker, as a crash or deploy would. */
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async close() {
      await stack.stopWorker();
      await app.close();
      await connection.close();
      await database.close();
    },
  };
  return stack;
}

/** The handle tests get from startTestStack. */
export type TestStack = Awaited<ReturnType<typeof startTestStack>>;
