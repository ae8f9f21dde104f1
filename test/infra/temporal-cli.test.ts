import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTemporalCli, temporalCliCacheDir } from '../../infra/temporal-cli.js';

async function fakeBinary(dir: string, name: string) {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, '#!/bin/sh\nexit 0\n');
  await chmod(path, 0o755);
  return path;
}

describe('ensureTemporalCli', () => {
  it('prefers TEMPORAL_CLI_PATH, then PATH, then the per-user cache', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cli-'));
    const explicit = await fakeBinary(join(root, 'explicit'), 'temporal');
    const onPath = await fakeBinary(join(root, 'bin'), 'temporal');
    const env = { XDG_CACHE_HOME: join(root, 'cache'), PATH: join(root, 'bin') };
    const cached = await fakeBinary(temporalCliCacheDir(env), 'temporal');
    expect(await ensureTemporalCli(() => {}, { ...env, TEMPORAL_CLI_PATH: explicit })).toBe(explicit);
    expect(await ensureTemporalCli(() => {}, env)).toBe(onPath);
    expect(await ensureTemporalCli(() => {}, { ...env, PATH: join(root, 'nothing') })).toBe(cached);
  });

  it('names every way to get the CLI when there is neither a binary nor Go', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cli-'));
    const attempt = ensureTemporalCli(() => {}, { XDG_CACHE_HOME: join(root, 'cache'), PATH: join(root, 'empty') });
    await expect(attempt).rejects.toThrow(
      /Homebrew[\s\S]*download[\s\S]*go install github.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/,
    );
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable', async () => {
    await expect(ensureTemporalCli(() => {}, { TEMPORAL_CLI_PATH: '/nonexistent/temporal' })).rejects.toThrow(
      /TEMPORAL_CLI_PATH/,
    );
  });
});
