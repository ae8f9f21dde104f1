import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/env.js';
import { SETTLEMENT_CYCLES, type SettlementCycle } from '../domain/settlement.js';

/** The Schedule id of a settlement cycle on a task queue (one shop per task queue in a namespace). */
export const settlementScheduleId = (cycle: SettlementCycle, taskQueue: string) => `settlement-${cycle}@${taskQueue}`;

// Each cycle fires ten minutes after it ends (UTC), so webhooks of its last minutes have arrived.
const CALENDARS: Record<SettlementCycle, ScheduleOptions['spec']> = {
  daily: { calendars: [{ hour: 0, minute: 10 }] },
  weekly: { calendars: [{ dayOfWeek: 'MONDAY', hour: 0, minute: 10 }] },
  monthly: { calendars: [{ dayOfMonth: 1, hour: 0, minute: 10 }] },
};

/** The Schedule id of the refund follow-up on a task queue. */
export const refundFollowUpScheduleId = (taskQueue: string) => `refund-follow-up@${taskQueue}`;

/** The Schedules the configuration asks for: one per settlement cycle in `SETTLEMENT_CYCLES`, and the refund follow-up. */
export function desiredSchedules(config: Config): ScheduleOptions[] {
  const taskQueue = config.temporal.taskQueue;
  const refunds: ScheduleOptions = {
    scheduleId: refundFollowUpScheduleId(taskQueue),
    spec: { intervals: [{ every: config.refunds.followUpEveryMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'refundFollowUpWorkflow',
      workflowId: `refund-follow-up@${taskQueue}`,
      taskQueue,
      args: [{ confirmWithinMs: config.refunds.confirmWithinMs, maxFollowUps: config.refunds.maxFollowUps }],
    },
    // A round still running makes the next one pointless: it would find the same refunds.
    policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
    memo: { purpose: 'asks the provider again for refunds it has not confirmed, then flags them' },
  };
  return [
    refunds,
    ...config.settlement.cycles.map((cycle) => ({
      scheduleId: settlementScheduleId(cycle, taskQueue),
      spec: config.settlement.scheduleEveryMs
        ? { intervals: [{ every: config.settlement.scheduleEveryMs }] }
        : CALENDARS[cycle],
      action: {
        type: 'startWorkflow' as const,
        workflowType: 'scheduledSettlementWorkflow',
        workflowId: `settlement-${cycle}-scheduled@${taskQueue}`,
        taskQueue,
        args: [{ cycle, currency: config.currency, fees: config.settlement.fees }],
      },
      // A cluster that was down settles the cycles it missed (each its own period) one after the other.
      policies: { overlap: 'BUFFER_ALL' as const, catchupWindow: '7 days' as const },
      memo: { purpose: `settles each ${cycle} period with the payment provider` },
    })),
  ];
}

/**
 * Creates or updates the configured Schedules, idempotently (run at every worker start and by
 * `npm run schedules`), and deletes settlement Schedules of cycles no longer configured.
 * Answers the ids it keeps.
 */
export async function ensureSchedules(client: Client, config: Config): Promise<string[]> {
  const desired = desiredSchedules(config);
  for (const options of desired) {
    try {
      await client.schedule.create(options);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }));
    }
  }
  const kept = new Set(desired.map((options) => options.scheduleId));
  for (const cycle of SETTLEMENT_CYCLES) {
    const scheduleId = settlementScheduleId(cycle, config.temporal.taskQueue);
    if (kept.has(scheduleId)) continue;
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
  }
  return [...kept];
}
