import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { materials, payments, productionJobs, purchaseOrders } from '../../db/schema.js';
import { orderRequest } from '../support/fixtures.js';
import {
  asAdmin,
  asService,
  asSupport,
  getOrder,
  getTimeline,
  payInFull,
  postOrder,
  sendCarrierWebhook,
  sendPaymentWebhook,
  waitForStatus,
} from '../support/http.js';
import { BAD_MEASUREMENTS, createMadeToOrderProduct, GOOD_MEASUREMENTS } from '../support/production-fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  // Second-long windows after delivery so a custom order's whole life fits in a test.
  stack = await startTestStack({
    POLICY_RETURN_WINDOW: '2s',
    POLICY_SURVEY_WINDOW: '1s',
    POLICY_DELIVERY_GRACE: '30s',
    SANDBOX_CARRIER_DAY: '1s',
  });
  await stack.startWorker();
});
afterAll(() => stack.close());

/** Places a custom order for `quantity` of `sku`, pays it and has support confirm it; returns once it is in production. */
async function customOrderInProduction(sku: string, quantity: number, type: 'custom' | 'urgent' = 'custom') {
  const placed = await postOrder(stack.app, orderRequest([{ sku, quantity }], { type }));
  if (placed.statusCode !== 201) throw new Error(`placement: ${placed.statusCode} ${placed.body}`);
  const orderId = placed.json().id as string;
  await payInFull(stack.app, orderId);
  await waitForStatus(stack.app, orderId, 'awaiting_confirmation');
  const confirmed = await stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/confirm`,
    headers: asSupport,
    payload: { confirmedBy: 'sam@support', note: type === 'urgent' ? 'urgent' : 'made to order' },
  });
  if (confirmed.statusCode !== 200) throw new Error(`confirm: ${confirmed.statusCode} ${confirmed.body}`);
  return waitForStatus(stack.app, orderId, 'in_production');
}

/** The factory's terminal reports a job event. */
function factoryEvent(jobId: string, type: 'started' | 'progress' | 'completed', progress?: number) {
  return stack.app.inject({
    method: 'POST',
    url: `/v1/production-jobs/${jobId}/events`,
    headers: asService,
    payload: {
      id: `pe-${randomUUID()}`,
      type,
      ...(progress !== undefined ? { progress } : {}),
      occurredAt: new Date().toISOString(),
    },
  });
}

/** An inspector reports measurements of a job. */
function inspect(jobId: string, stage: 'in_process' | 'final', measurements: Record<string, number>) {
  return stack.app.inject({
    method: 'POST',
    url: `/v1/production-jobs/${jobId}/inspections`,
    headers: asService,
    payload: { id: `insp-${randomUUID()}`, stage, inspector: 'qa-anna', measurements },
  });
}

/** Waits until the order's job has the given status in its resource. */
async function waitForJob(expect: ExpectStatic, orderId: string, jobId: string, status: string) {
  await expect
    .poll(async () => (await getOrder(stack.app, orderId)).production?.jobs.find((job) => job.id === jobId)?.status, {
      timeout: 20_000,
    })
    .toBe(status);
}

describe.concurrent('made-to-order orders through HTTP', () => {
  it('a custom order is planned, made, fails then passes its final inspection, ships and completes', async ({
    expect,
  }) => {
    const { sku } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 30 });
    const order = await customOrderInProduction(sku, 2);
    const [job] = order.production!.jobs;
    expect(order.production).toMatchObject({ late: false, promisedDate: job!.plannedEnd.slice(0, 10) });
    expect(job).toMatchObject({ sku, quantity: 2, status: 'planned', progress: 0, reworkRounds: 0 });
    expect(Date.parse(job!.plannedEnd) - Date.parse(job!.plannedStart)).toBe(60 * 60_000);

    expect((await factoryEvent(job!.id, 'started')).statusCode).toBe(202);
    expect((await factoryEvent(job!.id, 'progress', 50)).statusCode).toBe(202);
    await expect.poll(async () => (await getOrder(stack.app, order.id)).production?.jobs[0]?.progress).toBe(50);
    expect((await factoryEvent(job!.id, 'completed')).statusCode).toBe(202);
    await waitForStatus(stack.app, order.id, 'quality_check');

    const failed = await inspect(job!.id, 'final', BAD_MEASUREMENTS);
    expect(failed.statusCode).toBe(201);
    expect(failed.json()).toMatchObject({
      passed: false,
      failures: [{ name: 'width', value: 104, min: 99, max: 101 }],
    });
    await waitForJob(expect, order.id, job!.id, 'rework');
    expect((await getOrder(stack.app, order.id)).shipment).toBeNull();

    await factoryEvent(job!.id, 'started');
    await factoryEvent(job!.id, 'completed');
    await waitForJob(expect, order.id, job!.id, 'inspecting');
    const passed = await inspect(job!.id, 'final', GOOD_MEASUREMENTS);
    expect(passed.json()).toMatchObject({ passed: true, failures: [] });
    const ready = await waitForStatus(stack.app, order.id, 'ready_to_ship');
    expect(ready.production!.jobs[0]).toMatchObject({
      status: 'done',
      reworkRounds: 1,
      inspections: [
        { stage: 'final', passed: false },
        { stage: 'final', passed: true },
      ],
    });

    await sendCarrierWebhook(stack.app, ready.shipment!, 'picked_up');
    await sendCarrierWebhook(stack.app, ready.shipment!, 'delivered');
    await waitForStatus(stack.app, order.id, 'completed', 30_000);
    const names = (await getTimeline(stack.app, order.id)).map((entry) => entry.name);
    const inOrder = [
      'order_confirmed',
      'production_planned',
      'production_started',
      'production_completed',
      'inspection_failed',
      'rework_started',
      'production_completed',
      'inspection_passed',
      'quality_passed',
      'shipment_booked',
      'order_completed',
    ];
    expect(names.filter((name) => inOrder.includes(name))).toEqual(inOrder);
  });

  it('an urgent custom order goes before a planned regular one, and both orders show their new dates', async ({
    expect,
  }) => {
    // A day's capacity of 480 minutes: each job fills one whole working day.
    const { sku, workCentreId } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 480 });
    const regular = await customOrderInProduction(sku, 1);
    const regularEnd = regular.production!.jobs[0]!.plannedEnd;

    const urgent = await customOrderInProduction(sku, 1, 'urgent');
    const urgentJob = urgent.production!.jobs[0]!;
    expect(urgentJob.plannedEnd).toBe(regularEnd);

    const moved = await waitForMilestoneLike(expect, regular.id, 'production_replanned');
    expect(moved.detail).toMatchObject({ previousPromisedDate: regularEnd.slice(0, 10) });
    const pushedBack = await getOrder(stack.app, regular.id);
    expect(Date.parse(pushedBack.production!.jobs[0]!.plannedEnd) - Date.parse(regularEnd)).toBe(24 * 3600_000);
    const plan = await stack.app.inject({ url: `/v1/production/plan?workCentre=${workCentreId}`, headers: asSupport });
    expect(plan.json().workCentres[0].jobs.map((job: { orderId: string }) => job.orderId)).toEqual([
      urgent.id,
      regular.id,
    ]);
  });

  it('missing material is ordered from the supplier and delays the promised date by its lead time', async ({
    expect,
  }) => {
    const { sku, materialId, supplierId } = await createMadeToOrderProduct(stack.db, {
      minutesPerUnit: 10,
      materialOnHand: 1,
      leadTimeDays: 4,
    });
    const order = await customOrderInProduction(sku, 3);
    const job = order.production!.jobs[0]!;
    const [ordered] = await stack.db
      .select()
      .from(purchaseOrders)
      .where(eq(purchaseOrders.materialId, materialId))
      .orderBy(asc(purchaseOrders.id));
    expect(ordered).toMatchObject({ quantity: 2, jobId: job.id });
    expect(Date.parse(ordered!.dueAt.toISOString()) - Date.parse(ordered!.orderedAt.toISOString())).toBe(
      4 * 24 * 3600_000,
    );
    expect(Date.parse(job.plannedStart)).toBeGreaterThanOrEqual(ordered!.dueAt.getTime());
    const [material] = await stack.db.select().from(materials).where(eq(materials.id, materialId));
    expect(material).toMatchObject({ onHand: 1, reserved: 3 });

    // The lot comes early: the job starts as soon as the work centre can take it, and the order hears its new date.
    const receipt = await stack.app.inject({
      method: 'POST',
      url: '/v1/materials/receipts',
      headers: asService,
      payload: {
        id: `rcpt-${randomUUID()}`,
        supplierId,
        material: materialId,
        quantity: 2,
        measurements: { moisture: 8 },
      },
    });
    expect(receipt.json()).toMatchObject({ passed: true, onTime: true, purchaseOrderId: ordered!.id });
    const moved = await waitForMilestoneLike(expect, order.id, 'production_replanned');
    expect(moved).toMatchObject({
      reason: 'material_arrived',
      detail: { previousPromisedDate: job.plannedEnd.slice(0, 10) },
    });
    const pulled = (await getOrder(stack.app, order.id)).production!.jobs[0]!;
    expect(Date.parse(pulled.plannedStart)).toBeLessThan(ordered!.dueAt.getTime());
    expect(Date.parse(pulled.plannedEnd) - Date.parse(pulled.plannedStart)).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('cancelling during production cancels the job, releases its material and refunds in full', async ({ expect }) => {
    const { sku, materialId } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 20, materialOnHand: 10 });
    const order = await customOrderInProduction(sku, 2);
    const job = order.production!.jobs[0]!;
    await factoryEvent(job.id, 'started');
    await waitForJob(expect, order.id, job.id, 'in_progress');

    const cancel = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      headers: asSupport,
      payload: { reason: 'customer changed their mind', requestedBy: 'sam@support' },
    });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', refunded: order.pricing.total });
    expect(cancel.json().undone).toEqual(expect.arrayContaining(['production_cancelled', 'payment_refunded']));
    const [row] = await stack.db.select().from(productionJobs).where(eq(productionJobs.id, job.id));
    expect(row!.status).toBe('cancelled');
    const [material] = await stack.db.select().from(materials).where(eq(materials.id, materialId));
    expect(material).toMatchObject({ onHand: 10, reserved: 0 });
    const refunds = await stack.db
      .select()
      .from(payments)
      .where(and(eq(payments.orderId, order.id), eq(payments.kind, 'refund')))
      .orderBy(asc(payments.id));
    expect(refunds.map((refund) => refund.amount)).toEqual([order.pricing.total]);
    // The factory's late news of a cancelled job is refused.
    expect((await factoryEvent(job.id, 'completed')).statusCode).toBe(409);
  });

  it('lines change until production starts: the jobs are planned again and the extra money is in before shipping', async ({
    expect,
  }) => {
    const { sku, materialId } = await createMadeToOrderProduct(stack.db, { minutesPerUnit: 30, materialOnHand: 10 });
    const order = await customOrderInProduction(sku, 2);
    const first = order.production!.jobs[0]!;
    const edit = (quantity: number) =>
      stack.app.inject({
        method: 'PATCH',
        url: `/v1/orders/${order.id}`,
        headers: asSupport,
        payload: { requestedBy: 'sam@support', reason: 'two more shirts', lines: [{ sku, quantity }] },
      });
    const edited = await edit(4);
    expect(edited.statusCode, edited.body).toBe(200);
    const { settlement, total } = edited.json();
    expect(settlement).toMatchObject({ kind: 'extra_payment_requested', amount: total - order.pricing.total });

    await expect
      .poll(async () => (await getOrder(stack.app, order.id)).production?.jobs.map((job) => [job.id, job.status]), {
        timeout: 20_000,
      })
      .toEqual([
        [first.id, 'cancelled'],
        [`${first.id}-E1`, 'planned'],
      ]);
    const replanned = (await getOrder(stack.app, order.id)).production!.jobs[1]!;
    expect(replanned).toMatchObject({ quantity: 4 });
    expect(Date.parse(replanned.plannedEnd) - Date.parse(replanned.plannedStart)).toBe(120 * 60_000);
    const [material] = await stack.db.select().from(materials).where(eq(materials.id, materialId));
    expect(material).toMatchObject({ onHand: 10, reserved: 4 });

    await factoryEvent(replanned.id, 'started');
    await waitForJob(expect, order.id, replanned.id, 'in_progress');
    const tooLate = await edit(5);
    expect(tooLate.statusCode).toBe(409);
    expect(tooLate.json().detail).toContain('production has started');

    await factoryEvent(replanned.id, 'completed');
    await waitForJob(expect, order.id, replanned.id, 'inspecting');
    expect((await inspect(replanned.id, 'final', GOOD_MEASUREMENTS)).statusCode).toBe(201);
    await waitForJob(expect, order.id, replanned.id, 'done');
    // Made, but unpaid: the order waits for the extra payment before the carrier is booked.
    await expect
      .poll(async () => (await getOrder(stack.app, order.id)).payment.amountDue, { timeout: 20_000 })
      .toBe(settlement.amount);
    expect((await getOrder(stack.app, order.id)).shipment).toBeNull();
    const extra = {
      ...order,
      payment: { ...order.payment, intentId: settlement.intentId },
      pricing: { ...order.pricing, total: settlement.amount },
    };
    expect((await sendPaymentWebhook(stack.app, extra)).statusCode).toBe(202);
    const ready = await waitForStatus(stack.app, order.id, 'ready_to_ship');
    expect(ready.payment).toMatchObject({ amountPaid: total, amountDue: 0 });
    const names = (await getTimeline(stack.app, order.id)).map((entry) => entry.name);
    expect(names).toContain('production_lines_changed');
  });

  it('refuses factory news for unknown jobs and needs the admin key to change capacity', async ({ expect }) => {
    expect((await factoryEvent('no-such-job', 'started')).statusCode).toBe(404);
    const { workCentreId } = await createMadeToOrderProduct(stack.db);
    const bySupport = await stack.app.inject({
      method: 'PATCH',
      url: `/v1/production/work-centres/${workCentreId}`,
      headers: asSupport,
      payload: { dailyCapacity: 600 },
    });
    expect(bySupport.statusCode).toBe(403);
    const byAdmin = await stack.app.inject({
      method: 'PATCH',
      url: `/v1/production/work-centres/${workCentreId}`,
      headers: asAdmin,
      payload: { dailyCapacity: 600 },
    });
    expect(byAdmin.statusCode).toBe(200);
  });
});

/** Waits for a timeline entry of the order by name (any kind) and returns it. */
async function waitForMilestoneLike(expect: ExpectStatic, orderId: string, name: string) {
  await expect
    .poll(async () => (await getTimeline(stack.app, orderId)).some((entry) => entry.name === name), { timeout: 20_000 })
    .toBe(true);
  return (await getTimeline(stack.app, orderId)).find((entry) => entry.name === name)!;
}
