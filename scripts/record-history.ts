/**
 * `npm run record-history -- <workflowId> <name>`: saves a finished order's history as a replay
 * fixture in test/replay/histories/, so later code changes are checked against it.
 */
import { writeFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../config/env.js';

const [workflowId, name] = process.argv.slice(2);
if (!workflowId || !name) {
  console.error('usage: npm run record-history -- <workflowId> <fixture-name>');
  process.exit(1);
}
const config = loadConfig(process.env, 'tool');
const connection = await Connection.connect({ address: config.temporal.address ?? '127.0.0.1:7233' });
const client = new Client({ connection, namespace: config.temporal.namespace });
const history = await client.workflow.getHandle(workflowId).fetchHistory();
const path = new URL(`../test/replay/histories/${name}.json`, import.meta.url);
await writeFile(path, historyToJSON(history));
console.log(`wrote ${path.pathname}`);
await connection.close();
