import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fault-worker.ts', import.meta.url));

/** A line the fault worker printed: `ready`, or one step of an activity (`stalled-before`, `stalled-after`, `failed`, `done`). */
export interface WorkerLine {
  type: 'ready' | 'activity' | 'stopped';
  phase?: string;
  activity?: string;
  orderId?: string;
  /** The timeline entry, for recordOrderProgress. */
  name?: string;
  attempt?: number;
  local?: boolean;
  message?: string;
}

/** A worker running in a child process of its own (see fault-worker.ts). */
export interface WorkerProcess {
  pid: number;
  /** Everything it printed so far. */
  lines: WorkerLine[];
  /** Resolves with the first line, printed before or after this call, that matches. */
  waitFor(match: (line: WorkerLine) => boolean, what: string, timeoutMs?: number): Promise<WorkerLine>;
  /** Whether the process is still running (it may have crashed on its own). */
  alive(): boolean;
  /** The end of what it wrote to stderr. */
  stderr(): string;
  /** SIGKILL: the process dies at once, mid-activity, leaving its tasks to Temporal's timeouts. */
  kill(): Promise<void>;
  /** SIGTERM: the worker drains and exits. */
  stop(): Promise<void>;
}

/** Starts the fault worker with `env` (TEMPORAL_ADDRESS, DATABASE_URL, TEMPORAL_TASK_QUEUE, FAULT_STALLS, FAULT_JOURNAL, …) and waits until it polls. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  // Node with tsx as a loader, not the tsx CLI: the CLI would put a second process between us and the worker, and a SIGKILL would hit only that.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WorkerLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) {
      if (!text.startsWith('{')) continue;
      lines.push(JSON.parse(text) as WorkerLine);
    }
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  function waitFor(match: (line: WorkerLine) => boolean, what: string, timeoutMs = 60_000): Promise<WorkerLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) return done(() => resolve(found));
        if (!running())
          return done(() =>
            reject(
              new Error(
                `worker ${child.pid} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${stderr}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`worker ${child.pid}: no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  }

  async function signal(name: NodeJS.Signals) {
    if (!running()) return;
    child.kill(name);
    // A worker that cannot drain (an activity stalled for good) is killed after a while.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  await waitFor((line) => line.type === 'ready', 'start', 60_000);
  return {
    pid: child.pid!,
    lines,
    waitFor,
    alive: running,
    stderr: () => stderr,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
