/**
 * The order worker in a process of its own, for fault tests: the real `startWorker`, plus activity
 * stalls read from FAULT_STALLS, every activity step printed to stdout as a JSON line, and every
 * call to the sandbox payment provider and carrier appended to FAULT_JOURNAL (the providers keep no records).
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { loadConfig } from '../../config/env.js';
import { startWorker } from '../../worker.js';
import { isStalled, readStalls, type Stall } from './stalls.js';

const {
  FAULT_STALLS: stallsFile = '',
  FAULT_JOURNAL: journalFile = '',
  WORKFLOW_BUNDLE_PATH: bundlePath,
} = process.env;
const config = loadConfig();
if (!config.temporal.address || !config.databaseUrl || !stallsFile || !journalFile) {
  console.error('fault-worker needs TEMPORAL_ADDRESS, DATABASE_URL, FAULT_STALLS and FAULT_JOURNAL');
  process.exit(2);
}

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const journal = (entry: Record<string, unknown>) =>
  appendFileSync(journalFile, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);

const stalls: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      const { activityType: activity, attempt } = context.info;
      // `name`: the timeline entry a recordOrderProgress call writes.
      const { orderId, name } = (input.args[0] ?? {}) as { orderId?: string; name?: string };
      const note = (phase: string, extra: Record<string, unknown> = {}) =>
        say({ type: 'activity', phase, activity, orderId, name, attempt, local: context.info.isLocal, ...extra });
      const hold = async (at: Stall['at']) => {
        if (!isStalled(readStalls(stallsFile), activity, input.args, at)) return;
        note(`stalled-${at}`);
        while (isStalled(readStalls(stallsFile), activity, input.args, at)) await sleep(100);
      };
      await hold('before');
      let result: unknown;
      try {
        result = await next(input);
      } catch (error) {
        note('failed', { message: String((error as Error).message).slice(0, 300) });
        throw error;
      }
      await hold('after');
      note('done');
      return result;
    },
  },
});

/** The sandbox providers, with each call written down before it is made. */
function recordProviderCalls(deps: ActivityDeps): ActivityDeps {
  const { payments, carriers } = deps;
  return {
    ...deps,
    payments: {
      ...payments,
      refund: async (request) => {
        journal({
          call: 'refund',
          intentId: request.intentId,
          amount: request.amount,
          idempotencyKey: request.idempotencyKey,
        });
        return payments.refund(request);
      },
    },
    carriers: {
      ...carriers,
      book: async (booking) => {
        const booked = await carriers.book(booking);
        journal({
          call: 'book',
          orderId: booking.orderId,
          carrierId: booking.carrierId,
          trackingNumber: booked.trackingNumber,
        });
        return booked;
      },
      cancel: async (request) => {
        journal({ call: 'cancel', carrierId: request.carrierId, trackingNumber: request.trackingNumber });
        return carriers.cancel(request);
      },
    },
  };
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const running = await startWorker({
  config,
  temporalAddress: config.temporal.address,
  databaseUrl: config.databaseUrl,
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  adaptDeps: recordProviderCalls,
  activityInterceptors: [stalls],
});
say({ type: 'ready', pid: process.pid });
// SIGTERM is handled by the SDK's runtime: the worker drains, then `done` settles. SIGKILL is the crash under test.
await running.done;
say({ type: 'stopped' });
