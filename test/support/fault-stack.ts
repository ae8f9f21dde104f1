import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
import { createDatabase } from '../../db/client.js';
import { createApiTemporalClient } from '../../temporal/connection.js';
import { effectsOf } from './effects.js';
import { writeStalls, type Stall } from './stalls.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

/**
 * The API in this process (built as server.ts builds it, on a lazy Temporal connection that reports outages)
 * and order workers in child processes that a test can kill, all on the Temporal and Postgres it is given.
 */
export async function startFaultStack(options: {
  temporalAddress: string;
  databaseUrl: string;
  env?: Record<string, string>;
}) {
  const { temporalAddress, databaseUrl } = options;
  const dir = await mkdtemp(join(tmpdir(), 'order-orchestrator-fault-'));
  const stallsFile = join(dir, 'stalls.json');
  const journalFile = join(dir, 'provider-calls.jsonl');
  const taskQueue = `fault-${randomUUID()}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: temporalAddress,
    DATABASE_URL: databaseUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // As in stack.ts: many orders to the fixture address, none of them a velocity case.
    RISK_MAX_ORDERS_PER_CUSTOMER: 'off',
    RISK_MAX_ORDERS_PER_ADDRESS: 'off',
    ...options.env,
  });
  const database = createDatabase(databaseUrl);
  const { connection, client } = createApiTemporalClient({ ...config.temporal, address: temporalAddress });
  const app = await buildApp({ config, db: database.db, temporal: client });
  const workers: WorkerProcess[] = [];
  writeStalls(stallsFile, []);

  return {
    config,
    app,
    db: database.db,
    sql: database.sql,
    /** Holds these activity calls until the next call lifts them (see stalls.ts). */
    stall(stalls: Stall[]) {
      writeStalls(stallsFile, stalls);
    },
    /** Starts a worker process on this stack's task queue. */
    async startWorker() {
      const worker = await startWorkerProcess({
        TEMPORAL_ADDRESS: temporalAddress,
        DATABASE_URL: databaseUrl,
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
        FAULT_STALLS: stallsFile,
        FAULT_JOURNAL: journalFile,
      });
      workers.push(worker);
      return worker;
    },
    /** Every effect of one order, from Postgres and from what the workers asked the sandbox providers. */
    effects(order: { id: string; sku: string; intentId: string | null }) {
      return effectsOf(database.sql, journalFile, order);
    },
    async close() {
      writeStalls(stallsFile, []);
      await Promise.all(workers.map((worker) => worker.stop()));
      await app.close();
      await connection.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The handle fault tests get from startFaultStack. */
export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;
