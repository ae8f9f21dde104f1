import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** A running Temporal CLI dev server. */
export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
  /** Kills the server at once, as a crash would; started again with the same options, it resumes from its SQLite file. */
  kill(): Promise<void>;
}

/** How to start the dev server: a SQLite file keeps history across restarts; none keeps it in memory. */
export interface TemporalDevServerOptions {
  binary: string;
  port: number;
  namespace: string;
  dbFile?: string;
  uiPort?: number;
  /** The API's remote codec, so the UI shows encrypted payloads decoded. */
  codecEndpoint?: string;
  log?: (line: string) => void;
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until they are usable. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { binary, port, namespace, dbFile, uiPort, codecEndpoint, log = () => {} } = options;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
  ];
  if (dbFile) {
    await mkdir(dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  args.push(
    ...(uiPort
      ? ['--ui-port', String(uiPort), ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : [])]
      : ['--headless']),
  );
  for (const attribute of ORDER_SEARCH_ATTRIBUTES)
    args.push('--search-attribute', `${attribute.name}=${attribute.cliType}`);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`Temporal dev server exited (code ${code}) during start:\n${output}`)),
    );
  });

  const address = `127.0.0.1:${port}`;
  await Promise.race([waitForSearchAttributes(address, namespace), exited]);
  log(`Temporal dev server on ${address}${dbFile ? ` (history in ${dbFile})` : ' (in memory)'}`);
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

async function waitForSearchAttributes(address: string, namespace: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = ORDER_SEARCH_ATTRIBUTES.filter((a) => !customAttributes?.[a.name]);
        if (missing.length === 0) return;
        lastError = new Error(`search attributes not registered yet: ${missing.map((a) => a.name).join(', ')}`);
        // A dev server resumed from an older SQLite file ignores --search-attribute for what it lacks: add those.
        if (Object.keys(customAttributes ?? {}).length > 0) await addSearchAttributes(connection, namespace, missing);
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs / 1000}s: ${String(lastError)}`);
}

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export is there.
const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED_VALUE_TYPES: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  attributes: ReadonlyArray<{ name: string; cliType: string }>,
): Promise<void> {
  const searchAttributes = Object.fromEntries(
    attributes.map(({ name, cliType }) => [name, INDEXED_VALUE_TYPES[cliType]!]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
