/**
 * `npm run schedules`: creates or updates the Temporal Schedules the configuration asks for (one per
 * settlement cycle in SETTLEMENT_CYCLES) and removes those of cycles no longer configured. The worker
 * does the same when it starts; this is for changing them without a restart.
 */
import { Client, Connection } from '@temporalio/client';
import { readConfigOrExit } from '../config/env.js';
import { payloadDataConverter, temporalConnectionOptions } from '../temporal/connection.js';
import { ensureSchedules } from '../temporal/schedules.js';

const config = readConfigOrExit('worker');
if (!config.temporal.address) {
  console.error('npm run schedules needs TEMPORAL_ADDRESS (and the TLS or API key settings of your cluster).');
  process.exit(1);
}
const connection = await Connection.connect(
  temporalConnectionOptions({ ...config.temporal, address: config.temporal.address }),
);
try {
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: payloadDataConverter(config.temporal),
  });
  const kept = await ensureSchedules(client, config);
  console.log(
    kept.length ? `Schedules in place: ${kept.join(', ')}` : 'No settlement cycles configured: no Schedules.',
  );
} finally {
  await connection.close();
}
