import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { payloadDataConverter } from '../../temporal/connection.js';

const folder = fileURLToPath(new URL('./histories/', import.meta.url));

/** Recorded order histories must replay on today's workflow code: a failure means a non-deterministic change. */
it('replays every recorded order history without a determinism error', async () => {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const histories = (async function* () {
    for (const file of files)
      yield {
        workflowId: file.replace(/\.json$/, ''),
        history: JSON.parse(await readFile(`${folder}${file}`, 'utf8')),
      };
  })();
  const failures: string[] = [];
  let replayed = 0;
  // Histories recorded with the dev payload key decrypt; older unencrypted ones pass through the codec.
  const dataConverter = payloadDataConverter(loadConfig({ NODE_ENV: 'test' }).temporal);
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
