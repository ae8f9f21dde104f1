import { randomUUID } from 'node:crypto';
import { describe, it, type ExpectStatic } from 'vitest';
import type { OrderPolicy } from '../../domain/policy.js';
import {
  cancelOrderUpdate,
  getOrderStateQuery,
  paymentEventSignal,
  productionNewsSignal,
  shipmentEventSignal,
  warehouseScanSignal,
  type OrderState,
  type ProductionNews,
} from '../../workflows/messages.js';
import { called, capture, timelineNames, tracking, useWorkflowAlone } from '../support/workflow-alone.js';

// The production stage alone: the factory's and inspectors' news are signalled straight to the
// workflow, activities are in memory, so the late and overdue deadlines can be milliseconds long.
const POLICY: OrderPolicy = {
  paymentTimeoutMs: 60_000,
  confirmationTimeoutMs: 60_000,
  shortageDecisionTimeoutMs: 60_000,
  infoHoldTimeoutMs: 60_000,
  deliveryGraceMs: 60_000,
  parcelLostAfterMs: 60_000,
  returnWindowMs: 200,
  surveyWindowMs: 100,
  productionOverdueAfterMs: 60_000,
  maxReworkRounds: 1,
};

const { startOrder } = useWorkflowAlone(POLICY);

const now = () => new Date().toISOString();
const jobEvent = (jobId: string, kind: 'started' | 'progress' | 'completed', progress?: number): ProductionNews => ({
  eventId: `pe_${randomUUID()}`,
  kind,
  jobId,
  progress,
  occurredAt: now(),
});
const inspection = (jobId: string, passed: boolean): ProductionNews => ({
  eventId: `insp_${randomUUID()}`,
  kind: 'inspected',
  jobId,
  stage: 'final',
  inspector: 'qa-1',
  passed,
  failures: passed ? [] : [{ name: 'width', value: 104, min: 99, max: 101 }],
  at: now(),
});

/** Starts a custom order, pays it and waits until its production is planned. */
async function customOrderInProduction(expect: ExpectStatic, options: Parameters<typeof startOrder>[0] = {}) {
  const order = await startOrder({ madeToOrder: true, ...options });
  await order.handle.signal(paymentEventSignal, capture(order.orderId));
  await expect
    .poll(async () => (await order.handle.query(getOrderStateQuery)).status, { timeout: 10_000 })
    .toBe('in_production');
  return { ...order, jobId: `${order.orderId}-J1` };
}

describe.concurrent('the production stage of a custom order', () => {
  it('plans, follows the factory, reworks a failed final inspection and ships only after a pass', async ({
    expect,
  }) => {
    const { orderId, handle, world, jobId } = await customOrderInProduction(expect);
    await expect
      .poll(async () => (await handle.query(getOrderStateQuery)).waitingFor)
      .toMatch(`production of ${jobId} planned`);
    const state = await handle.query(getOrderStateQuery);
    expect(state.production).toMatchObject({ late: false, started: false, jobs: [{ id: jobId, status: 'planned' }] });

    await handle.signal(productionNewsSignal, jobEvent(jobId, 'started'));
    await handle.signal(productionNewsSignal, jobEvent(jobId, 'progress', 40));
    await handle.signal(productionNewsSignal, jobEvent(jobId, 'completed'));
    await expect
      .poll(async () => (await handle.query(getOrderStateQuery)).status, { timeout: 10_000 })
      .toBe('quality_check');
    await handle.signal(productionNewsSignal, inspection(jobId, false));
    await expect
      .poll(async () => (await handle.query(getOrderStateQuery)).status, { timeout: 10_000 })
      .toBe('in_production');
    expect((await handle.query(getOrderStateQuery)).production?.jobs[0]).toMatchObject({
      status: 'rework',
      reworkRounds: 1,
    });
    expect(called(world, 'bookShipment')).toEqual([]);

    await handle.signal(productionNewsSignal, jobEvent(jobId, 'started'));
    await handle.signal(productionNewsSignal, jobEvent(jobId, 'completed'));
    await handle.signal(productionNewsSignal, inspection(jobId, true));
    await expect.poll(() => called(world, 'bookShipment').length, { timeout: 10_000 }).toBe(1);
    await handle.signal(shipmentEventSignal, tracking(orderId, 'picked_up'));
    await handle.signal(shipmentEventSignal, tracking(orderId, 'delivered'));
    const result: OrderState = await handle.result();

    expect(result.status).toBe('completed');
    expect(result.production?.jobs).toEqual([
      expect.objectContaining({ id: jobId, status: 'done', progress: 100, reworkRounds: 1 }),
    ]);
    expect(timelineNames(world).slice(0, 15)).toEqual([
      'order_received',
      'order_verified',
      'stock_reserved',
      'payment_captured',
      'order_confirmed',
      'production_planned',
      'production_started',
      'production_progress',
      'production_completed',
      'inspection_failed',
      'rework_started',
      'production_job_started',
      'production_completed',
      'inspection_passed',
      'quality_passed',
    ]);
    const statuses = called(world, 'updateProductionJob').map((call) => (call.input as { status?: string }).status);
    expect(statuses).toEqual(['in_progress', undefined, 'inspecting', 'rework', 'in_progress', 'inspecting', 'done']);
    expect(called(world, 'finishProduction')).toHaveLength(1);
    expect(called(world, 'cancelProduction')).toEqual([]);
  });

  it('scraps a job that fails past its rework bound and makes it again as a new job', async ({ expect }) => {
    const { handle, world, jobId } = await customOrderInProduction(expect);
    for (let round = 0; round < 2; round += 1) {
      await handle.signal(productionNewsSignal, jobEvent(jobId, 'completed'));
      await handle.signal(productionNewsSignal, inspection(jobId, false));
    }
    await expect.poll(() => called(world, 'replaceScrappedJob').length, { timeout: 10_000 }).toBe(1);
    const replacement = `${jobId}-R1`;
    await expect
      .poll(async () => (await handle.query(getOrderStateQuery)).production?.jobs.map((job) => [job.id, job.status]))
      .toEqual([
        [jobId, 'scrapped'],
        [replacement, 'planned'],
      ]);
    expect((await handle.query(getOrderStateQuery)).flags).toContain('job_scrapped');
    // News of the scrapped job changes nothing; the new job must pass before anything ships.
    await handle.signal(productionNewsSignal, inspection(jobId, true));
    await handle.signal(productionNewsSignal, jobEvent(replacement, 'completed'));
    await handle.signal(productionNewsSignal, inspection(replacement, true));
    await expect.poll(() => called(world, 'bookShipment').length, { timeout: 10_000 }).toBe(1);
    await handle.terminate('test done');
  });

  it('flags a job past its planned end as late, then fails the order as overdue and cancels its production', async ({
    expect,
  }) => {
    const order = await startOrder({
      madeToOrder: true,
      world: { jobInMs: 300 },
      policy: { productionOverdueAfterMs: 700 },
    });
    await order.handle.signal(paymentEventSignal, capture(order.orderId));
    const result: OrderState = await order.handle.result();
    expect(result).toMatchObject({ status: 'failed', outcome: { reason: 'production_overdue' } });
    expect(result.flags).toContain('production_late');
    expect(result.production?.late).toBe(true);
    const names = timelineNames(order.world);
    expect(names.indexOf('production_late')).toBeGreaterThan(names.indexOf('production_planned'));
    expect(called(order.world, 'cancelProduction')).toHaveLength(1);
    expect(called(order.world, 'refundPayment')).toHaveLength(1);
    const templates = called(order.world, 'notifyCustomer').map(
      (call) => (call.input as { template: string }).template,
    );
    expect(templates).toEqual(['order_confirmed', 'production_planned', 'production_late', 'order_cancelled']);
  });

  it('flags a plan that cannot meet the delivery date the customer asked for', async ({ expect }) => {
    const { handle } = await customOrderInProduction(expect, { requestedDeliveryBy: '2000-01-01T00:00:00.000Z' });
    await expect
      .poll(async () => (await handle.query(getOrderStateQuery)).flags)
      .toContain('production_deadline_at_risk');
    await handle.terminate('test done');
  });

  it('a cancellation during production cancels the jobs and refunds in full', async ({ expect }) => {
    const { handle, world, jobId } = await customOrderInProduction(expect);
    await handle.signal(productionNewsSignal, jobEvent(jobId, 'started'));
    const answer = await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: 'sam@support', reason: 'customer changed mind' }],
    });
    expect(answer).toMatchObject({
      status: 'cancelled',
      undone: ['production_cancelled', 'payment_refunded'],
      refunded: 1_000,
    });
    expect(called(world, 'cancelProduction')).toHaveLength(1);
  });

  it('a replan that moves the promised date is told once; a repeat or an unchanged date is not', async ({ expect }) => {
    const { handle, world, jobId } = await customOrderInProduction(expect);
    const replan = {
      eventId: `replan_${randomUUID()}`,
      kind: 'replanned' as const,
      reason: 'capacity_changed',
      previousPromisedDate: '2026-01-01',
      promisedDate: '2099-12-31',
      jobs: [{ id: jobId, plannedStart: '2099-12-30T08:00:00.000Z', plannedEnd: '2099-12-31T09:00:00.000Z' }],
    };
    await handle.signal(productionNewsSignal, replan);
    await handle.signal(productionNewsSignal, replan);
    await handle.signal(productionNewsSignal, { ...replan, eventId: `replan_${randomUUID()}` });
    await handle.signal(warehouseScanSignal, { eventId: 'scan-1', type: 'picked', occurredAt: now() });
    await handle.signal(warehouseScanSignal, { eventId: 'scan-1', type: 'picked', occurredAt: now() });
    await expect.poll(() => timelineNames(world).filter((name) => name === 'warehouse_picked').length).toBe(1);
    const templatesSent = () =>
      called(world, 'notifyCustomer').map((call) => (call.input as { template: string }).template);
    await expect.poll(() => templatesSent().filter((template) => template === 'production_replanned').length).toBe(1);
    const state = await handle.query(getOrderStateQuery);
    expect(state.production).toMatchObject({
      promisedDate: '2099-12-31',
      jobs: [{ plannedEnd: '2099-12-31T09:00:00.000Z' }],
    });
    expect(timelineNames(world).filter((name) => name === 'production_replanned')).toHaveLength(1);
    const templates = called(world, 'notifyCustomer').map((call) => (call.input as { template: string }).template);
    expect(templates.filter((template) => template === 'production_replanned')).toHaveLength(1);
    await handle.terminate('test done');
  });
});
