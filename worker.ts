import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { defaultPricingRules } from './domain/pricing-rules.js';
import { createActivities, createSettlementActivityGroup, type ActivityDeps } from './activities/index.js';
import { readConfigOrExit, type Config } from './config/env.js';
import { createDatabase } from './db/client.js';
import { createSandboxCarrier } from './sandbox/carrier.js';
import { createSandboxNotifier } from './sandbox/notifier.js';
import { createSandboxPaymentBook } from './sandbox/payment-book.js';
import { createSandboxStaffNotifier } from './sandbox/staff-notifier.js';
import { payloadDataConverter, temporalConnectionOptions } from './temporal/connection.js';
import { ensureSchedules } from './temporal/schedules.js';
import { WORKFLOWS_PATH, workflowBundlerOptions } from './temporal/workflow-bundle.js';

/** Where the worker connects and, optionally, a prebuilt workflow bundle (tests build it once). */
export interface WorkerSettings {
  config: Config;
  temporalAddress: string;
  databaseUrl: string;
  taskQueue?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Wraps the activities' outside world (fault tests record what the sandbox providers were asked). */
  adaptDeps?: (deps: ActivityDeps) => ActivityDeps;
  /** Create or update the Temporal Schedules the configuration asks for (settlement cycles) before polling. */
  manageSchedules?: boolean;
  /** Activity interceptors (fault tests stall activities to crash the worker mid-way). */
  activityInterceptors?: NonNullable<WorkerOptions['interceptors']>['activity'];
}

/** A started worker: `done` settles when it stops; `stop()` drains it and closes its connections. */
export interface RunningWorker {
  worker: Worker;
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Connects to Temporal and Postgres and starts polling the order task queue. */
export async function startWorker(settings: WorkerSettings): Promise<RunningWorker> {
  const { config } = settings;
  const database = createDatabase(settings.databaseUrl);
  const connection = await NativeConnection.connect(
    temporalConnectionOptions({ ...config.temporal, address: settings.temporalAddress }),
  );
  const payments = createSandboxPaymentBook(database.db, config.paymentWebhookSecret, {
    confirmRefundsAfterMs: config.sandbox.refundDelayMs,
  });
  const deps: ActivityDeps = {
    db: database.db,
    payments: payments.gateway,
    carriers: createSandboxCarrier({ secret: config.carrierWebhookSecret, dayMs: config.sandbox.carrierDayMs }).gateway,
    notifier: createSandboxNotifier(database.db),
    staffNotifier: createSandboxStaffNotifier(database.db),
    pricingRules: defaultPricingRules(config.currency),
  };
  if (settings.manageSchedules) await ensureConfiguredSchedules(config, settings.temporalAddress);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: settings.taskQueue ?? config.temporal.taskQueue,
    activities: activitiesFor(settings.adaptDeps ? settings.adaptDeps(deps) : deps),
    dataConverter: payloadDataConverter(config.temporal),
    ...(settings.activityInterceptors ? { interceptors: { activity: settings.activityInterceptors } } : {}),
    ...(settings.workflowBundle
      ? { workflowBundle: settings.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions }),
  });
  const done = worker.run().finally(async () => {
    await connection.close();
    await database.close();
  });
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Creates or updates the configured Temporal Schedules over a short-lived client connection. */
async function ensureConfiguredSchedules(config: Config, temporalAddress: string): Promise<void> {
  const connection = await Connection.connect(
    temporalConnectionOptions({ ...config.temporal, address: temporalAddress }),
  );
  try {
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: payloadDataConverter(config.temporal),
    });
    await ensureSchedules(client, config);
  } finally {
    await connection.close();
  }
}

/** Every activity this worker runs: the orders' and the settlement's. */
function activitiesFor(deps: ActivityDeps) {
  return { ...createActivities(deps), ...createSettlementActivityGroup(deps) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = readConfigOrExit('worker');
  if (!config.temporal.address || !config.databaseUrl) {
    console.error(
      'worker.ts needs TEMPORAL_ADDRESS and DATABASE_URL; `npm run dev` starts everything with embedded defaults.',
    );
    process.exit(1);
  }
  const running = await startWorker({
    config,
    temporalAddress: config.temporal.address,
    databaseUrl: config.databaseUrl,
    manageSchedules: true,
  });
  console.log(`Worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  // SIGINT/SIGTERM are handled by the SDK's runtime: the worker drains, then `done` settles.
  await running.done;
}
