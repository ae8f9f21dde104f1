import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The CLI release we build: the newest whose go.mod has no `replace`, so `go install` works. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

type Log = (line: string) => void;

/** Where a built CLI is kept per user, outside any checkout, so every clone and CI run reuses it. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'order-orchestrator', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds the Temporal CLI (TEMPORAL_CLI_PATH, PATH, per-user cache) or builds it with Go into the cache. */
export async function ensureTemporalCli(log: Log = console.log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return env.TEMPORAL_CLI_PATH;
    throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
  }
  const onPath = await findOnPath('temporal', env);
  if (onPath) return onPath;

  const cacheDir = temporalCliCacheDir(env);
  const cached = join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;

  const go = await findOnPath('go', env);
  if (!go) throw new Error(missingCliMessage(cached));
  await buildWithGo(go, cacheDir, log, env);
  return cached;
}

async function buildWithGo(go: string, cacheDir: string, log: Log, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  // Build into a private folder and rename: two runs building at once never see half a binary.
  const staging = await mkdtemp(join(cacheDir, 'build-'));
  log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go (first run only, a few minutes) into ${cacheDir}`);
  const started = Date.now();
  let packages = 0;
  const child = spawn(go, ['install', '-v', CLI_MODULE], {
    env: { ...env, GOBIN: staging, GOFLAGS: `${env.GOFLAGS ?? ''} -mod=mod`.trim() },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const ticker = setInterval(() => {
    log(`  … still building: ${packages} packages compiled, ${Math.round((Date.now() - started) / 1000)}s`);
  }, 15_000);
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      if (line.startsWith('go: downloading')) log(`  ${line}`);
      else packages += 1;
      tail = (tail + line + '\n').slice(-4000);
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  }).finally(() => clearInterval(ticker));
  if (code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(
      `go install ${CLI_MODULE} failed (exit ${code}):\n${tail}\n${missingCliMessage(join(cacheDir, 'temporal'))}`,
    );
  }
  await rename(join(staging, 'temporal'), join(cacheDir, 'temporal'));
  await rm(staging, { recursive: true, force: true });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s (${packages} packages)`);
}

function missingCliMessage(cached: string): string {
  return [
    'No Temporal CLI found. Any one of these works:',
    '  - Homebrew: brew install temporal',
    '  - the official download (https://temporal.io/setup/install-temporal-cli), then set TEMPORAL_CLI_PATH',
    `  - Go 1.22+: go install ${CLI_MODULE} (this project does it for you into ${cached} when Go is on PATH)`,
    '  - or point TEMPORAL_ADDRESS at a running Temporal server and no CLI is needed.',
  ].join('\n');
}
