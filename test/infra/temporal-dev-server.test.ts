import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { expect, it } from 'vitest';
import { freePort } from '../../infra/free-port.js';
import { ensureTemporalCli } from '../../infra/temporal-cli.js';
import { startTemporalDevServer } from '../../infra/temporal-dev-server.js';
import { ProductionLateKey } from '../../workflows/search-attributes.js';

async function customAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.keys(customAttributes ?? {}).sort();
  } finally {
    await connection.close();
  }
}

it('a dev server resumed from an older SQLite file gets the search attributes added since', async () => {
  const binary = await ensureTemporalCli(() => {});
  const dbFile = join(await mkdtemp(join(tmpdir(), 'dev-server-')), 'temporal.sqlite');
  const options = { binary, port: await freePort(), namespace: 'default', dbFile };

  // An older release's file: everything but the attribute added last.
  const first = await startTemporalDevServer(options);
  const connection = await Connection.connect({ address: first.address });
  await connection.operatorService.removeSearchAttributes({
    namespace: 'default',
    searchAttributes: [ProductionLateKey.name],
  });
  await connection.close();
  expect(await customAttributes(first.address, 'default')).not.toContain(ProductionLateKey.name);
  await first.stop();

  const resumed = await startTemporalDevServer(options);
  try {
    expect(await customAttributes(resumed.address, 'default')).toContain(ProductionLateKey.name);
  } finally {
    await resumed.stop();
  }
}, 120_000);
