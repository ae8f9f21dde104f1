import { WorkflowNotFoundError } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductionPlanningActivities } from '../../activities/production-planning.js';
import { deliverProductionNotices } from '../../activities/production-notices.js';
import { productionJobs, productionNotices } from '../../db/schema.js';
import { insertOrderRow } from '../support/order-rows.js';
import { asAdmin, asService, asSupport } from '../support/http.js';
import { createMadeToOrderProduct, createWorkCentre } from '../support/production-fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let planning: ReturnType<typeof createProductionPlanningActivities>;

// Planned for a day to come: every replan from the real clock finds the material "ready" only then,
// so the plan starts at 2030-01-07 09:00 whenever the test runs.
const PLANNED_AT = '2030-01-07T09:00:00.000Z';
const at = (day: number, time: string) => `2030-01-${String(7 + day).padStart(2, '0')}T${time}:00.000Z`;

beforeAll(async () => {
  stack = await startTestStack();
  planning = createProductionPlanningActivities({ db: stack.db });
});
afterAll(() => stack.close());

/** An order of `quantity` units of a made-to-order product, planned as its workflow would. */
async function plannedOrder(sku: string, quantity: number, urgent = false): Promise<string> {
  const id = await insertOrderRow(stack.db, { type: urgent ? 'urgent' : 'custom', lines: [{ sku, quantity }] });
  await planning.planProduction({ orderId: id, urgent, now: PLANNED_AT });
  return id;
}

const planOf = async (workCentre: string) => {
  const response = await stack.app.inject({
    method: 'GET',
    url: `/v1/production/plan?workCentre=${workCentre}`,
    headers: asSupport,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().workCentres[0] as { jobs: Array<{ id: string; plannedStart: string; plannedEnd: string }> };
};
const times = (jobs: Array<{ id: string; plannedStart: string; plannedEnd: string }>) =>
  jobs.map(({ id, plannedStart, plannedEnd }) => [id, plannedStart, plannedEnd]);
const resequence = (body: object, headers = asSupport) =>
  stack.app.inject({ method: 'POST', url: '/v1/production/plan/resequence', headers, payload: body });
const changeCapacity = (id: string, body: object, headers = asAdmin) =>
  stack.app.inject({ method: 'PATCH', url: `/v1/production/work-centres/${id}`, headers, payload: body });

describe('capacity changes', () => {
  it("replans a work centre's jobs with exact new ends and names the orders whose promised date moved", async () => {
    const workCentreId = await createWorkCentre(stack.db, 480);
    const { sku } = await createMadeToOrderProduct(stack.db, { workCentreId, minutesPerUnit: 60 });
    const first = await plannedOrder(sku, 6);
    const second = await plannedOrder(sku, 4);
    expect(times((await planOf(workCentreId)).jobs)).toEqual([
      [`${first}-J1`, at(0, '09:00'), at(0, '15:00')],
      [`${second}-J1`, at(0, '15:00'), at(1, '11:00')],
    ]);

    // 08:00–12:00 now: Monday has 180 minutes left from 09:00, every later day 240.
    const response = await changeCapacity(workCentreId, { dailyCapacity: 240 });
    expect(response.statusCode, response.body).toBe(200);
    const firstJobs = [{ id: `${first}-J1`, plannedStart: at(0, '09:00'), plannedEnd: at(1, '11:00') }];
    const secondJobs = [{ id: `${second}-J1`, plannedStart: at(1, '11:00'), plannedEnd: at(2, '11:00') }];
    expect(response.json()).toEqual({
      id: workCentreId,
      name: `Test centre ${workCentreId}`,
      dailyCapacity: 240,
      replanned: [
        { orderId: first, previousPromisedDate: '2030-01-07', promisedDate: '2030-01-08', jobs: firstJobs },
        { orderId: second, previousPromisedDate: '2030-01-08', promisedDate: '2030-01-09', jobs: secondJobs },
      ].sort((a, b) => (a.orderId < b.orderId ? -1 : 1)),
    });
    expect(times((await planOf(workCentreId)).jobs)).toEqual([
      [`${first}-J1`, at(0, '09:00'), at(1, '11:00')],
      [`${second}-J1`, at(1, '11:00'), at(2, '11:00')],
    ]);

    const listed = await stack.app.inject({ method: 'GET', url: '/v1/production/work-centres', headers: asSupport });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().nextCursor).toBeNull();
    expect(listed.json().items).toContainEqual({
      id: workCentreId,
      name: `Test centre ${workCentreId}`,
      dailyCapacity: 240,
      openJobs: 2,
    });

    // The same capacity again moves nothing.
    expect((await changeCapacity(workCentreId, { dailyCapacity: 240 })).json().replanned).toEqual([]);
  });

  it('refuses unknown work centres, capacities outside a day and callers other than admin', async () => {
    const workCentreId = await createWorkCentre(stack.db, 480);
    const unknown = await changeCapacity('WC-NOPE', { dailyCapacity: 300 });
    expect([unknown.statusCode, unknown.json().errors]).toEqual([
      404,
      [{ path: 'id', message: 'is not a work centre' }],
    ]);
    for (const dailyCapacity of [0, 1_441, 60.5]) {
      const bad = await changeCapacity(workCentreId, { dailyCapacity });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].path).toBe('dailyCapacity');
    }
    for (const headers of [asService, asSupport])
      expect((await changeCapacity(workCentreId, { dailyCapacity: 300 }, headers)).statusCode).toBe(403);
    const plan = await stack.app.inject({
      method: 'GET',
      url: '/v1/production/plan?workCentre=WC-NOPE',
      headers: asSupport,
    });
    expect([plan.statusCode, plan.json().errors]).toEqual([
      404,
      [{ path: 'workCentre', message: 'is not a work centre' }],
    ]);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/production/plan', headers: asService })).statusCode).toBe(
      403,
    );
  });
});

describe('resequencing', () => {
  it('puts the listed planned jobs first in the given order, the others after them, urgent ones still leading', async () => {
    const workCentreId = await createWorkCentre(stack.db, 480);
    const { sku } = await createMadeToOrderProduct(stack.db, { workCentreId, minutesPerUnit: 60 });
    const a = await plannedOrder(sku, 2);
    const b = await plannedOrder(sku, 3);
    const c = await plannedOrder(sku, 2);
    const urgent = await plannedOrder(sku, 1, true);
    expect(times((await planOf(workCentreId)).jobs)).toEqual([
      [`${urgent}-J1`, at(0, '09:00'), at(0, '10:00')],
      [`${a}-J1`, at(0, '10:00'), at(0, '12:00')],
      [`${b}-J1`, at(0, '12:00'), at(0, '15:00')],
      [`${c}-J1`, at(0, '15:00'), at(1, '09:00')],
    ]);

    const response = await resequence({ workCentre: workCentreId, jobIds: [`${c}-J1`, `${a}-J1`] });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(times(body.jobs)).toEqual([
      [`${urgent}-J1`, at(0, '09:00'), at(0, '10:00')],
      [`${c}-J1`, at(0, '10:00'), at(0, '12:00')],
      [`${a}-J1`, at(0, '12:00'), at(0, '14:00')],
      [`${b}-J1`, at(0, '14:00'), at(1, '09:00')],
    ]);
    expect(body.replanned).toEqual(
      [
        {
          orderId: b,
          previousPromisedDate: '2030-01-07',
          promisedDate: '2030-01-08',
          jobs: [{ id: `${b}-J1`, plannedStart: at(0, '14:00'), plannedEnd: at(1, '09:00') }],
        },
        {
          orderId: c,
          previousPromisedDate: '2030-01-08',
          promisedDate: '2030-01-07',
          jobs: [{ id: `${c}-J1`, plannedStart: at(0, '10:00'), plannedEnd: at(0, '12:00') }],
        },
      ].sort((x, y) => (x.orderId < y.orderId ? -1 : 1)),
    );
    expect(times((await planOf(workCentreId)).jobs)).toEqual(times(body.jobs));
  });

  it('refuses jobs that are unknown, not planned or elsewhere, and a regular job before an urgent one', async () => {
    const workCentreId = await createWorkCentre(stack.db, 480);
    const { sku } = await createMadeToOrderProduct(stack.db, { workCentreId, minutesPerUnit: 60 });
    const elsewhere = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 60 });
    const regular = `${await plannedOrder(sku, 1)}-J1`;
    const started = `${await plannedOrder(sku, 1)}-J1`;
    const urgent = `${await plannedOrder(sku, 1, true)}-J1`;
    const other = `${await plannedOrder(elsewhere.sku, 1)}-J1`;
    await stack.db.update(productionJobs).set({ status: 'in_progress' }).where(eq(productionJobs.id, started));
    const before = times((await planOf(workCentreId)).jobs);

    const refused = await resequence({ workCentre: workCentreId, jobIds: ['NOPE-J1', started, other] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([
      { path: 'jobIds[0]', message: 'NOPE-J1 is not a production job' },
      { path: 'jobIds[1]', message: `${started} is in_progress: only planned jobs can be resequenced` },
      { path: 'jobIds[2]', message: `${other} is planned in ${elsewhere.workCentreId}, not ${workCentreId}` },
    ]);
    const inverted = await resequence({ workCentre: workCentreId, jobIds: [regular, urgent] });
    expect(inverted.statusCode).toBe(422);
    expect(inverted.json().errors).toEqual([
      {
        path: 'jobIds[1]',
        message: `${urgent} is urgent but listed after the regular job ${regular}: an urgent job goes before every planned regular job`,
      },
    ]);
    const unknownCentre = await resequence({ workCentre: 'WC-NOPE', jobIds: [regular] });
    expect([unknownCentre.statusCode, unknownCentre.json().errors]).toEqual([
      422,
      [{ path: 'workCentre', message: 'is not a work centre' }],
    ]);
    const twice = await resequence({ workCentre: workCentreId, jobIds: [regular, regular] });
    expect([twice.statusCode, twice.json().errors[0].path]).toEqual([400, 'jobIds']);
    expect((await resequence({ workCentre: workCentreId, jobIds: [regular] }, asService)).statusCode).toBe(403);
    // Nothing refused changed the plan.
    expect(times((await planOf(workCentreId)).jobs)).toEqual(before);
  });
});

describe('production notices', () => {
  it('a plan change writes a notice per moved order; delivery signals it once, a refusal leaves it owed', async () => {
    // A day's work each (480 minutes from 09:00): the urgent job pushes the regular one a day later.
    const { sku } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 480 });
    const regular = await plannedOrder(sku, 1);
    const urgent = await plannedOrder(sku, 1, true);
    const [notice] = await stack.db
      .select()
      .from(productionNotices)
      .where(eq(productionNotices.actingOrderId, urgent))
      .orderBy(asc(productionNotices.eventId));
    expect(notice).toMatchObject({ orderId: regular, reason: 'urgent_job_planned', deliveredAt: null });

    const signals: Array<{ workflowId: string; news: Record<string, unknown> }> = [];
    const client = (fail?: Error) =>
      ({
        workflow: {
          getHandle: (workflowId: string) => ({
            signal: async (_signal: unknown, news: Record<string, unknown>) => {
              if (fail) throw fail;
              signals.push({ workflowId, news });
            },
          }),
        },
      }) as unknown as Parameters<typeof deliverProductionNotices>[1];

    const refused = await deliverProductionNotices(stack.db, client(new Error('unavailable')), {
      actingOrderId: urgent,
    });
    expect(refused).toEqual({ delivered: [], owed: [regular] });
    const told = await deliverProductionNotices(stack.db, client(), { actingOrderId: urgent });
    expect(told).toEqual({ delivered: [regular], owed: [] });
    expect(signals).toEqual([
      {
        workflowId: `order-${regular}`,
        news: {
          eventId: notice!.eventId,
          kind: 'replanned',
          reason: 'urgent_job_planned',
          previousPromisedDate: '2030-01-08',
          promisedDate: '2030-01-09',
          jobs: [{ id: `${regular}-J1`, plannedStart: at(1, '09:00'), plannedEnd: at(2, '09:00') }],
        },
      },
    ]);
    // Delivered once: asked again, nothing is owed.
    expect(await deliverProductionNotices(stack.db, client(), { actingOrderId: urgent })).toEqual({
      delivered: [],
      owed: [],
    });
  });

  it('a notice for an order whose workflow ended counts as delivered', async () => {
    const { sku } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 600 });
    const regular = await plannedOrder(sku, 1);
    const urgent = await plannedOrder(sku, 1, true);
    const ended = {
      workflow: {
        getHandle: (workflowId: string) => ({
          signal: async () => {
            throw new WorkflowNotFoundError('gone', workflowId, undefined);
          },
        }),
      },
    } as unknown as Parameters<typeof deliverProductionNotices>[1];
    expect(await deliverProductionNotices(stack.db, ended, { actingOrderId: urgent })).toEqual({
      delivered: [regular],
      owed: [],
    });
  });
});
