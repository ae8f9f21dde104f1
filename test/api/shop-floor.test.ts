import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { buildApp } from '../../api/app.js';
import { deliverOwedShopFloorEvents } from '../../api/production/owed-deliveries.js';
import { inspections, productionEvents, productionJobs } from '../../db/schema.js';
import type { ProductionJobStatus } from '../../domain/production.js';
import { createProduct, orderRequest, uniqueTag } from '../support/fixtures.js';
import { asMarketplace, asService, asSupport, postOrder } from '../support/http.js';
import { BAD_MEASUREMENTS, createMadeToOrderProduct, GOOD_MEASUREMENTS } from '../support/production-fixtures.js';
import { appRefusingSignals, expectSignals, insertJob, insertOrder, signalsTo } from '../support/shop-floor.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let refusing: Awaited<ReturnType<typeof buildApp>>;
let product: Awaited<ReturnType<typeof createMadeToOrderProduct>>;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  refusing = await appRefusingSignals(stack);
  product = await createMadeToOrderProduct(stack.db);
});
afterAll(async () => {
  await refusing.close();
  await stack.close();
});

type App = Pick<TestStack['app'], 'inject'>;

/** A job of this test's product for an order with no workflow behind it. */
async function job(status: ProductionJobStatus = 'in_progress'): Promise<string> {
  const orderId = await insertOrder(stack);
  return insertJob(stack, { orderId, sku: product.sku, workCentreId: product.workCentreId, status });
}

/** A job for an order whose workflow runs (placed through the API, waiting for payment). */
async function jobOfRunningOrder(): Promise<{ orderId: string; jobId: string }> {
  const stockSku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
  const placed = await postOrder(stack.app, orderRequest([{ sku: stockSku, quantity: 1 }]));
  expect(placed.statusCode, placed.body).toBe(201);
  const orderId = placed.json().id as string;
  const jobId = await insertJob(stack, { orderId, sku: product.sku, workCentreId: product.workCentreId });
  return { orderId, jobId };
}

const eventId = () => `evt-${uniqueTag()}`;

function report(jobId: string, body: Record<string, unknown>, app: App = stack.app, headers = asService) {
  return app.inject({ method: 'POST', url: `/v1/production-jobs/${jobId}/events`, headers, payload: body });
}

function inspect(jobId: string, body: Record<string, unknown>, app: App = stack.app) {
  return app.inject({
    method: 'POST',
    url: `/v1/production-jobs/${jobId}/inspections`,
    headers: asService,
    payload: body,
  });
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const eventRow = async (id: string) =>
  (await stack.db.select().from(productionEvents).where(eq(productionEvents.id, id)))[0];
const eventsOf = (jobId: string) => stack.db.$count(productionEvents, eq(productionEvents.jobId, jobId));
const inspectionRow = async (id: string) =>
  (await stack.db.select().from(inspections).where(eq(inspections.id, id)))[0];
const inspectionsOf = (jobId: string) => stack.db.$count(inspections, eq(inspections.jobId, jobId));

/** Reports `started` and then `completed` (a minute later) for the job. */
async function startAndComplete(jobId: string) {
  expect((await report(jobId, { id: eventId(), type: 'started', occurredAt: at(10) })).statusCode).toBe(202);
  expect((await report(jobId, { id: eventId(), type: 'completed', occurredAt: at(9) })).statusCode).toBe(202);
}

describe('POST /v1/production-jobs/:id/events', () => {
  it('records each event once under the caller, and a repeated id changes nothing, even after the job closed', async () => {
    const jobId = await job();
    const started = eventId();
    const occurredAt = '2026-03-02T09:15:00+01:00';
    const first = await report(jobId, { id: started, type: 'started', occurredAt });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({ id: started, jobId, duplicate: false });
    expect(await eventRow(started)).toMatchObject({
      jobId,
      type: 'started',
      progress: null,
      occurredAt: new Date('2026-03-02T08:15:00Z'),
      reportedBy: 'service',
    });
    // The order's workflow does not exist: nothing is left to tell, so it counts as delivered.
    expect((await eventRow(started))!.deliveredAt).not.toBeNull();

    const progress = eventId();
    const halfway = await report(
      jobId,
      { id: progress, type: 'progress', progress: 40, occurredAt: at(1) },
      stack.app,
      asMarketplace,
    );
    expect(halfway.statusCode).toBe(202);
    expect(await eventRow(progress)).toMatchObject({ type: 'progress', progress: 40, reportedBy: 'marketplace' });

    const repeat = await report(jobId, { id: started, type: 'completed', occurredAt: at(0) });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual({ id: started, jobId, duplicate: true });
    expect(await eventsOf(jobId)).toBe(2);
    expect((await eventRow(started))!.type).toBe('started');

    // A terminal retrying after the job closed still hears "duplicate", not a refusal.
    await stack.db.update(productionJobs).set({ status: 'done' }).where(eq(productionJobs.id, jobId));
    const late = await report(jobId, { id: progress, type: 'progress', progress: 40, occurredAt: at(1) });
    expect(late.statusCode).toBe(202);
    expect(late.json()).toEqual({ id: progress, jobId, duplicate: true });
  });

  it('tells the order: one productionNews signal per event, the body id as its event id', async () => {
    const { orderId, jobId } = await jobOfRunningOrder();
    const [started, progress] = [eventId(), eventId()];
    expect((await report(jobId, { id: started, type: 'started', occurredAt: '2026-03-02T08:00:00Z' })).statusCode).toBe(
      202,
    );
    expect(
      (await report(jobId, { id: progress, type: 'progress', progress: 55, occurredAt: '2026-03-02T09:00:00.000Z' }))
        .statusCode,
    ).toBe(202);
    expect(
      (await report(jobId, { id: started, type: 'started', occurredAt: '2026-03-02T08:00:00Z' })).json().duplicate,
    ).toBe(true);
    await expectSignals(stack, orderId, 'productionNews', [
      { eventId: started, kind: 'started', jobId, occurredAt: '2026-03-02T08:00:00.000Z' },
      { eventId: progress, kind: 'progress', jobId, progress: 55, occurredAt: '2026-03-02T09:00:00.000Z' },
    ]);
    expect((await eventRow(progress))!.deliveredAt).not.toBeNull();
  });

  it('records and tells a concurrently repeated event once', async () => {
    const { orderId, jobId } = await jobOfRunningOrder();
    const id = eventId();
    const body = { id, type: 'progress', progress: 20, occurredAt: '2026-03-02T08:00:00Z' };
    const responses = await Promise.all([report(jobId, body), report(jobId, body), report(jobId, body)]);
    expect(responses.map((response) => response.statusCode)).toEqual([202, 202, 202]);
    expect(responses.map((response) => response.json().duplicate).sort()).toEqual([false, true, true]);
    expect(await eventsOf(jobId)).toBe(1);
    await expectSignals(stack, orderId, 'productionNews', [
      { eventId: id, kind: 'progress', jobId, progress: 20, occurredAt: '2026-03-02T08:00:00.000Z' },
    ]);
  });

  it('keeps an event Temporal refused as owed (still 202), and the sweep delivers it once', async () => {
    const { orderId, jobId } = await jobOfRunningOrder();
    const id = eventId();
    const accepted = await report(jobId, { id, type: 'started', occurredAt: '2026-03-02T08:00:00Z' }, refusing);
    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(accepted.json()).toEqual({ id, jobId, duplicate: false });
    expect((await eventRow(id))!.deliveredAt).toBeNull();
    expect(await signalsTo(stack, orderId, 'productionNews')).toEqual([]);

    const sweep = await deliverOwedShopFloorEvents({ db: stack.db, temporal: stack.client }, 0);
    expect(sweep.delivered).toContain(id);
    expect(sweep.failed).not.toContain(id);
    expect((await eventRow(id))!.deliveredAt).not.toBeNull();
    await expectSignals(stack, orderId, 'productionNews', [
      { eventId: id, kind: 'started', jobId, occurredAt: '2026-03-02T08:00:00.000Z' },
    ]);
    expect((await deliverOwedShopFloorEvents({ db: stack.db, temporal: stack.client }, 0)).delivered).not.toContain(id);
  });

  it('needs progress with type progress and only there, from 0 to 100', async () => {
    const jobId = await job();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'progress' }, 'progress'],
      [{ type: 'started', progress: 10 }, 'progress'],
      [{ type: 'completed', progress: 100 }, 'progress'],
      [{ type: 'progress', progress: 101 }, 'progress'],
      [{ type: 'progress', progress: 12.5 }, 'progress'],
      [{ type: 'paused' }, 'type'],
      [{ type: 'started', occurredAt: 'yesterday' }, 'occurredAt'],
    ];
    for (const [fields, path] of cases) {
      const response = await report(jobId, { id: eventId(), occurredAt: at(0), ...fields });
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(
        response.json().errors.map((e: { path: string }) => e.path),
        JSON.stringify(fields),
      ).toContain(path);
    }
    expect(await eventsOf(jobId)).toBe(0);
  });

  it('answers 404 for an unknown job, 409 for a closed one or an id used on another job, 403 for support', async () => {
    const unknown = await report(`job_NONE${uniqueTag()}`, { id: eventId(), type: 'started', occurredAt: at(0) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/job-not-found', status: 404 });

    for (const status of ['done', 'scrapped', 'cancelled'] as const) {
      const closed = await job(status);
      const response = await report(closed, { id: eventId(), type: 'progress', progress: 10, occurredAt: at(0) });
      expect(response.statusCode, status).toBe(409);
      expect(response.json()).toMatchObject({
        type: '/problems/job-closed',
        detail: `Job ${closed} is ${status}: it takes no more events.`,
      });
      expect(await eventsOf(closed)).toBe(0);
    }

    const [first, second] = [await job(), await job()];
    const id = eventId();
    expect((await report(first, { id, type: 'started', occurredAt: at(0) })).statusCode).toBe(202);
    const reused = await report(second, { id, type: 'started', occurredAt: at(0) });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ type: '/problems/event-id-taken' });
    expect(await eventsOf(second)).toBe(0);

    const bySupport = await report(first, { id: eventId(), type: 'started', occurredAt: at(0) }, stack.app, asSupport);
    expect(bySupport.statusCode).toBe(403);
  });
});

describe('POST /v1/production-jobs/:id/inspections', () => {
  it("judges the measurements against the product's standard: every property measured and in range", async () => {
    const jobId = await job();
    const cases: Array<[Record<string, number>, unknown[]]> = [
      [GOOD_MEASUREMENTS, []],
      [{ width: 99, gloss: 40 }, []],
      [BAD_MEASUREMENTS, [{ name: 'width', value: 104, min: 99, max: 101 }]],
      [{ width: 100 }, [{ name: 'gloss', value: null, min: 20, max: 40 }]],
      [
        { width: 98.9, gloss: 41, extra: 7 },
        [
          { name: 'width', value: 98.9, min: 99, max: 101 },
          { name: 'gloss', value: 41, min: 20, max: 40 },
        ],
      ],
    ];
    for (const [measurements, failures] of cases) {
      const id = `insp-${uniqueTag()}`;
      const response = await inspect(jobId, { id, stage: 'in_process', inspector: 'Jana', measurements });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toEqual({ id, jobId, stage: 'in_process', passed: failures.length === 0, failures });
      expect(await inspectionRow(id)).toMatchObject({
        jobId,
        stage: 'in_process',
        inspector: 'Jana',
        measurements,
        passed: failures.length === 0,
        failures,
        reportedBy: 'service',
      });
      expect((await inspectionRow(id))!.deliveredAt).not.toBeNull();
    }
    expect(await inspectionsOf(jobId)).toBe(cases.length);
  });

  it('answers a repeated id with the stored verdict (200) and records nothing new, even once the job is closed', async () => {
    const { orderId, jobId } = await jobOfRunningOrder();
    const id = `insp-${uniqueTag()}`;
    const first = await inspect(jobId, { id, stage: 'in_process', inspector: 'Jana', measurements: BAD_MEASUREMENTS });
    expect(first.statusCode).toBe(201);
    await stack.db.update(productionJobs).set({ status: 'scrapped' }).where(eq(productionJobs.id, jobId));
    const repeat = await inspect(jobId, {
      id,
      stage: 'in_process',
      inspector: 'Jana',
      measurements: GOOD_MEASUREMENTS,
    });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual(first.json());
    expect(first.json()).toMatchObject({ passed: false });
    expect(await inspectionsOf(jobId)).toBe(1);
    const stored = await inspectionRow(id);
    await expectSignals(stack, orderId, 'productionNews', [
      {
        eventId: id,
        kind: 'inspected',
        jobId,
        stage: 'in_process',
        inspector: 'Jana',
        passed: false,
        failures: [{ name: 'width', value: 104, min: 99, max: 101 }],
        at: stored!.at.toISOString(),
      },
    ]);
  });

  it('takes a final inspection only after the job was reported completed since its last start', async () => {
    const jobId = await job();
    const final = (id = `insp-${uniqueTag()}`) =>
      inspect(jobId, { id, stage: 'final', inspector: 'Jana', measurements: GOOD_MEASUREMENTS });
    const notYet = await final();
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json()).toMatchObject({
      type: '/problems/job-not-completed',
      detail: 'the job has not been reported completed',
    });

    await startAndComplete(jobId);
    const passed = await final();
    expect(passed.statusCode, passed.body).toBe(201);
    expect(passed.json()).toMatchObject({ stage: 'final', passed: true, failures: [] });

    // Rework: started again, so the earlier completion no longer counts.
    expect((await report(jobId, { id: eventId(), type: 'started', occurredAt: at(5) })).statusCode).toBe(202);
    const afterRestart = await final();
    expect(afterRestart.statusCode).toBe(409);
    expect((await report(jobId, { id: eventId(), type: 'completed', occurredAt: at(4) })).statusCode).toBe(202);
    expect((await final()).statusCode).toBe(201);
    expect(await inspectionsOf(jobId)).toBe(2);
  });

  it('answers 404 for an unknown job and 409 for a job not started or closed', async () => {
    const body = () => ({
      id: `insp-${uniqueTag()}`,
      stage: 'in_process',
      inspector: 'Jana',
      measurements: GOOD_MEASUREMENTS,
    });
    const unknown = await inspect(`job_NONE${uniqueTag()}`, body());
    expect(unknown.statusCode).toBe(404);
    for (const status of ['planned', 'done', 'scrapped', 'cancelled'] as const) {
      const jobId = await job(status);
      const response = await inspect(jobId, body());
      expect(response.statusCode, status).toBe(409);
      expect(response.json()).toMatchObject({ type: '/problems/job-not-inspectable' });
      expect(await inspectionsOf(jobId)).toBe(0);
    }
    const bad = await inspect(await job(), { ...body(), stage: 'incoming' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(['stage']);
  });

  it('keeps an inspection Temporal refused as owed, and the sweep delivers it', async () => {
    const { orderId, jobId } = await jobOfRunningOrder();
    const id = `insp-${uniqueTag()}`;
    const response = await inspect(
      jobId,
      { id, stage: 'in_process', inspector: 'Jana', measurements: GOOD_MEASUREMENTS },
      refusing,
    );
    expect(response.statusCode).toBe(201);
    expect((await inspectionRow(id))!.deliveredAt).toBeNull();
    expect((await deliverOwedShopFloorEvents({ db: stack.db, temporal: stack.client }, 0)).delivered).toContain(id);
    expect((await inspectionRow(id))!.deliveredAt).not.toBeNull();
    await expectSignals(stack, orderId, 'productionNews', [
      expect.objectContaining({ eventId: id, kind: 'inspected', passed: true, failures: [] }),
    ]);
  });
});
