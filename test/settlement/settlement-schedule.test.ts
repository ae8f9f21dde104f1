import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { periodBefore, settlementId } from '../../domain/settlement.js';
import { ensureSchedules, refundFollowUpScheduleId, settlementScheduleId } from '../../temporal/schedules.js';
import { asSupport } from '../support/http.js';
import type { SettlementBody } from '../support/settlement.js';
import { startTestStack, type TestStack } from '../support/stack.js';

// A currency of its own (XBA): the scheduled settlements of this file see no other file's money.
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ CURRENCY: 'XBA', SETTLEMENT_CYCLES: 'daily,weekly', SETTLEMENT_SCHEDULE_EVERY: '1s' });
  await stack.startWorker();
});
afterAll(async () => {
  await ensureSchedules(stack.client, { ...stack.config, settlement: { ...stack.config.settlement, cycles: [] } });
  await stack.client.schedule.getHandle(refundFollowUpScheduleId(stack.taskQueue)).delete();
  await stack.close();
});

it('creates a Schedule per configured cycle that settles the cycle just ended, and removes those no longer configured', async () => {
  expect(await ensureSchedules(stack.client, stack.config)).toEqual([
    refundFollowUpScheduleId(stack.taskQueue),
    settlementScheduleId('daily', stack.taskQueue),
    settlementScheduleId('weekly', stack.taskQueue),
  ]);
  // Idempotent: a second worker start changes nothing.
  await ensureSchedules(stack.client, stack.config);

  const yesterday = { cycle: 'daily' as const, currency: 'XBA', ...periodBefore('daily', new Date()) };
  const id = settlementId(yesterday);
  await expect
    .poll(
      async () => {
        const response = await stack.app.inject({ method: 'GET', url: `/v1/settlements/${id}`, headers: asSupport });
        return response.statusCode === 200 ? response.json<SettlementBody>().status : 'not yet';
      },
      { timeout: 30_000, interval: 250 },
    )
    .toBe('reconciled');
  const settled = (await stack.app.inject({ method: 'GET', url: `/v1/settlements/${id}`, headers: asSupport })).json();
  expect(settled).toMatchObject({
    cycle: 'daily',
    requestedBy: 'schedule',
    periodStart: yesterday.periodStart,
    payout: null,
  });

  const schedule = await stack.client.schedule.getHandle(settlementScheduleId('daily', stack.taskQueue)).describe();
  await expect
    .poll(async () => (await stack.client.schedule.getHandle(schedule.scheduleId).describe()).info.recentActions.length)
    .toBeGreaterThanOrEqual(2);
  // Firing again settles the same period again: the same settlement, refused as a duplicate, nothing counted twice.
  const runs: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${id}'` }))
    runs.push(execution.runId);
  expect(runs).toHaveLength(1);

  // Weekly dropped from the configuration: its Schedule goes.
  const dailyOnly = { ...stack.config, settlement: { ...stack.config.settlement, cycles: ['daily' as const] } };
  expect(await ensureSchedules(stack.client, dailyOnly)).toEqual([
    refundFollowUpScheduleId(stack.taskQueue),
    settlementScheduleId('daily', stack.taskQueue),
  ]);
  await expect(
    stack.client.schedule.getHandle(settlementScheduleId('weekly', stack.taskQueue)).describe(),
  ).rejects.toBeInstanceOf(ScheduleNotFoundError);
});
