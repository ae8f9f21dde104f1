import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The holder is a process of its own: when Postgres goes down under it, whatever its driver does stays out of the test process.
const HOLDER = `
import postgres from 'postgres';
const sql = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
await sql.begin(async (tx) => {
  await tx.unsafe('lock table ' + process.env.LOCKED_TABLE + ' in exclusive mode');
  process.stdout.write('locked\\n');
  await new Promise(() => {});
});
`;

/** Holds an exclusive lock on `table` from another process until `release()`, so writers to it wait inside their transactions. */
export async function holdTableLock(databaseUrl: string, table: string): Promise<{ release(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOCKED_TABLE: table },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    void exited.then(() => reject(new Error(`lock holder for ${table} exited before it held the lock`)));
  });
  return {
    async release() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
