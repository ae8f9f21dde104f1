import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import exitHook from 'async-exit-hook';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { seedDatabase } from '../db/seed.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { freePort } from '../infra/free-port.js';
import { ensureTemporalCli } from '../infra/temporal-cli.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { WORKFLOWS_PATH, workflowBundlerOptions } from '../temporal/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
  }
}

/** One real Temporal dev server, one real PostgreSQL and one workflow bundle for the whole run. */
export default async function setup(project: TestProject) {
  const log = (line: string) => console.log(`[test-setup] ${line}`);
  const root = await mkdtemp(join(tmpdir(), 'order-orchestrator-test-'));
  // PostgreSQL may run as a separate system user (when we are root): let it reach its folder.
  await chmod(root, 0o755);
  const binary = await ensureTemporalCli(log);
  const [temporalPort, postgresPort] = [await freePort(), await freePort()];
  const [temporal, postgres, bundle] = await Promise.all([
    startTemporalDevServer({ binary, port: temporalPort, namespace: 'default', log }),
    startEmbeddedPostgres({ dataDir: join(root, 'postgres'), port: postgresPort, database: 'orders_test', log }),
    bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      ...workflowBundlerOptions,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    }),
  ]);
  await runMigrations(postgres.url);
  const seeding = createDatabase(postgres.url, { max: 1 });
  await seedDatabase(seeding.db, 'EUR').finally(() => seeding.close());
  const workflowBundlePath = join(root, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  // embedded-postgres installs async-exit-hook, which calls process.exit(0) on `beforeExit`: that would
  // turn vitest's failing exit code into a success. The teardown below stops PostgreSQL itself; the
  // signal hooks stay, so Ctrl-C still stops it.
  exitHook.unhookEvent('beforeExit');
  exitHook.unhookEvent('exit');

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', postgres.url);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await Promise.allSettled([temporal.stop(), postgres.stop()]);
    await rm(root, { recursive: true, force: true });
  };
}
