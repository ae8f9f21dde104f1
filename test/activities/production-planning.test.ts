import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertOrderRow } from '../support/order-rows.js';
import { createProductionPlanningActivities } from '../../activities/production-planning.js';
import { createDatabase } from '../../db/client.js';
import { jobMaterials, materials, productionJobs, purchaseOrders } from '../../db/schema.js';
import { holdLock } from '../support/held-lock.js';
import { createMadeToOrderProduct, createWorkCentre } from '../support/production-fixtures.js';

const databaseUrl = inject('databaseUrl');
const database = createDatabase(databaseUrl, { max: 20 });
const { db } = database;
const planning = createProductionPlanningActivities({ db });

// A Monday; every day has working time 08:00–16:00 in these work centres (480 minutes).
const NOW = '2030-01-07T09:00:00.000Z';
const at = (day: number, time: string) => `2030-01-${String(7 + day).padStart(2, '0')}T${time}:00.000Z`;

/** An order row with the given lines (line numbers from 1), as placement would have written it. */
const newOrder = (lines: Array<{ sku: string; quantity: number }>) => insertOrderRow(db, { lines });

const material = async (id: string) => {
  const [row] = await db.select().from(materials).where(eq(materials.id, id));
  return { onHand: row!.onHand, reserved: row!.reserved };
};
const heldFor = (jobIds: string[]) =>
  db
    .select({ jobId: jobMaterials.jobId, quantity: jobMaterials.quantity, status: jobMaterials.status })
    .from(jobMaterials)
    .where(inArray(jobMaterials.jobId, jobIds))
    .orderBy(jobMaterials.jobId);
const job = (id: string, plannedStart: string, plannedEnd: string) => ({ id, plannedStart, plannedEnd });

beforeAll(async () => {
  await db.execute(sql`select 1`);
});
afterAll(() => database.close());

describe('planProduction', () => {
  it('plans one job per made-to-order line, one after another in working time, holding their material', async () => {
    const workCentreId = await createWorkCentre(db, 480);
    const shirt = await createMadeToOrderProduct(db, { workCentreId, minutesPerUnit: 60 });
    const apron = await createMadeToOrderProduct(db, { workCentreId, minutesPerUnit: 100 });
    const orderId = await newOrder([
      { sku: shirt.sku, quantity: 3 },
      { sku: apron.sku, quantity: 2 },
    ]);

    const plan = await planning.planProduction({ orderId, urgent: false, now: NOW });
    expect(plan).toEqual({
      jobs: [
        {
          ...job(`${orderId}-J1`, at(0, '09:00'), at(0, '12:00')),
          sku: shirt.sku,
          quantity: 3,
          workCentre: workCentreId,
          lineNo: 1,
        },
        {
          ...job(`${orderId}-J2`, at(0, '12:00'), at(0, '15:20')),
          sku: apron.sku,
          quantity: 2,
          workCentre: workCentreId,
          lineNo: 2,
        },
      ],
      promisedDate: '2030-01-07',
      materialOrders: [],
      replanned: [],
    });
    expect(await material(shirt.materialId)).toEqual({ onHand: 1_000, reserved: 3 });
    expect(await material(apron.materialId)).toEqual({ onHand: 1_000, reserved: 2 });

    // The next order goes after it and spills into Tuesday: 40 minutes on Monday, 260 from 08:00.
    const next = await newOrder([{ sku: shirt.sku, quantity: 5 }]);
    const nextPlan = await planning.planProduction({ orderId: next, urgent: false, now: NOW });
    expect(nextPlan.jobs.map(({ id, plannedStart, plannedEnd }) => ({ id, plannedStart, plannedEnd }))).toEqual([
      job(`${next}-J1`, at(0, '15:20'), at(1, '12:20')),
    ]);
    expect(nextPlan.promisedDate).toBe('2030-01-08');
    expect(nextPlan.replanned).toEqual([]);

    // A retry (the activity's answer was lost) gets the same plan and creates nothing twice.
    expect(await planning.planProduction({ orderId, urgent: false, now: '2030-01-07T10:00:00.000Z' })).toEqual(plan);
    expect(await material(shirt.materialId)).toEqual({ onHand: 1_000, reserved: 8 });
    expect(await heldFor([`${orderId}-J1`, `${orderId}-J2`])).toEqual([
      { jobId: `${orderId}-J1`, quantity: 3, status: 'reserved' },
      { jobId: `${orderId}-J2`, quantity: 2, status: 'reserved' },
    ]);
  });

  it('orders what free stock cannot cover from the supplier and starts the job when it is due', async () => {
    const product = await createMadeToOrderProduct(db, { minutesPerUnit: 60, materialOnHand: 2, leadTimeDays: 3 });
    const orderId = await newOrder([{ sku: product.sku, quantity: 5 }]);

    const plan = await planning.planProduction({ orderId, urgent: false, now: NOW });
    const materialOrder = {
      materialId: product.materialId,
      supplierId: product.supplierId,
      quantity: 3,
      dueAt: at(3, '09:00'),
    };
    expect(plan.materialOrders).toEqual([materialOrder]);
    expect(plan.jobs.map(({ plannedStart, plannedEnd }) => [plannedStart, plannedEnd])).toEqual([
      [at(3, '09:00'), at(3, '14:00')],
    ]);
    expect(plan.promisedDate).toBe('2030-01-10');
    // Held beyond what is on hand while the purchase order is on its way.
    expect(await material(product.materialId)).toEqual({ onHand: 2, reserved: 5 });

    // Nothing free is left: the next order's 1 unit is ordered too, and the retry orders nothing more.
    const next = await newOrder([{ sku: product.sku, quantity: 1 }]);
    expect((await planning.planProduction({ orderId: next, urgent: false, now: NOW })).materialOrders).toEqual([
      { ...materialOrder, quantity: 1 },
    ]);
    await planning.planProduction({ orderId: next, urgent: false, now: NOW });
    const ordered = await db.select().from(purchaseOrders).where(eq(purchaseOrders.materialId, product.materialId));
    expect(ordered.map((row) => row.quantity).sort()).toEqual([1, 3]);
  });

  it('puts an urgent job before every planned regular job and names the orders it pushed back', async () => {
    const product = await createMadeToOrderProduct(db, { minutesPerUnit: 60 });
    const regular = await newOrder([{ sku: product.sku, quantity: 6 }]);
    expect((await planning.planProduction({ orderId: regular, urgent: false, now: NOW })).promisedDate).toBe(
      '2030-01-07',
    );
    const urgent = await newOrder([{ sku: product.sku, quantity: 7 }]);

    const plan = await planning.planProduction({ orderId: urgent, urgent: true, now: NOW });
    expect(plan.jobs.map(({ plannedStart, plannedEnd }) => [plannedStart, plannedEnd])).toEqual([
      [at(0, '09:00'), at(0, '16:00')],
    ]);
    const pushedBack = {
      orderId: regular,
      eventId: expect.stringMatching(new RegExp(`^replan-.+-${regular}$`)),
      reason: 'urgent_job_planned',
      previousPromisedDate: '2030-01-07',
      promisedDate: '2030-01-08',
      jobs: [job(`${regular}-J1`, at(1, '08:00'), at(1, '14:00'))],
    };
    expect(plan.replanned).toEqual([pushedBack]);

    // Cancelling the urgent order gives its material back and pulls the regular one forward again.
    expect(await material(product.materialId)).toEqual({ onHand: 1_000, reserved: 13 });
    const cancelled = await planning.cancelProduction({ orderId: urgent, now: NOW });
    expect(cancelled).toEqual({
      cancelledJobs: [`${urgent}-J1`],
      replanned: [
        {
          orderId: regular,
          eventId: expect.stringMatching(/^replan-/),
          reason: 'order_cancelled',
          previousPromisedDate: '2030-01-08',
          promisedDate: '2030-01-07',
          jobs: [job(`${regular}-J1`, at(0, '09:00'), at(0, '15:00'))],
        },
      ],
    });
    expect(await material(product.materialId)).toEqual({ onHand: 1_000, reserved: 6 });
    expect(await heldFor([`${urgent}-J1`])).toEqual([{ jobId: `${urgent}-J1`, quantity: 7, status: 'released' }]);
    // Asked again: the same jobs, nothing released twice, nobody replanned.
    expect(await planning.cancelProduction({ orderId: urgent, now: NOW })).toEqual({
      cancelledJobs: [`${urgent}-J1`],
      replanned: [],
    });
    expect(await material(product.materialId)).toEqual({ onHand: 1_000, reserved: 6 });
  });

  it('plans two orders at once in one work centre one after the other, never overlapping', async () => {
    // Two products with materials of their own: only the work centre is shared.
    const workCentreId = await createWorkCentre(db, 480);
    const shirt = await createMadeToOrderProduct(db, { workCentreId, minutesPerUnit: 60 });
    const apron = await createMadeToOrderProduct(db, { workCentreId, minutesPerUnit: 60 });
    const first = await newOrder([{ sku: shirt.sku, quantity: 3 }]);
    const second = await newOrder([{ sku: apron.sku, quantity: 3 }]);
    // Both wait on the work centre, then run as soon as it is free.
    const lock = await holdLock(databaseUrl, 'select 1 from work_centres where id = $1 for update', [workCentreId]);
    const plans = Promise.all([
      planning.planProduction({ orderId: first, urgent: false, now: NOW }),
      planning.planProduction({ orderId: second, urgent: false, now: NOW }),
    ]);
    await expect
      .poll(async () => {
        const [row] = await db.execute<{ waiting: number }>(
          sql`select count(*)::int as waiting from pg_locks where not granted`,
        );
        return row!.waiting;
      })
      .toBeGreaterThanOrEqual(2);
    await lock.release();
    const slots = (await plans).map((plan) => [plan.jobs[0]!.plannedStart, plan.jobs[0]!.plannedEnd]);
    expect(slots.sort()).toEqual([
      [at(0, '09:00'), at(0, '12:00')],
      [at(0, '12:00'), at(0, '15:00')],
    ]);
  });
});

describe('replaceScrappedJob and finishProduction', () => {
  it('scraps a job, uses up its material and plans a replacement last in its class; the same one when asked again', async () => {
    const product = await createMadeToOrderProduct(db, { minutesPerUnit: 60, materialOnHand: 10 });
    const orderId = await newOrder([{ sku: product.sku, quantity: 2 }]);
    await planning.planProduction({ orderId, urgent: false, now: NOW });
    const other = await newOrder([{ sku: product.sku, quantity: 3 }]);
    await planning.planProduction({ orderId: other, urgent: false, now: NOW });
    const scrapped = `${orderId}-J1`;
    // The factory made it, half way, and it failed its inspections.
    await db.update(productionJobs).set({ status: 'in_progress', progress: 50 }).where(eq(productionJobs.id, scrapped));

    const later = '2030-01-07T10:00:00.000Z';
    const replaced = await planning.replaceScrappedJob({ orderId, jobId: scrapped, now: later });
    expect(replaced).toEqual({
      job: {
        ...job(`${scrapped}-R1`, at(0, '13:00'), at(0, '15:00')),
        sku: product.sku,
        quantity: 2,
        workCentre: product.workCentreId,
        lineNo: 1,
      },
      promisedDate: '2030-01-07',
      materialOrders: [],
      // The other order moved up to 10:00–13:00, the same day: its promised date did not move.
      replanned: [],
    });
    const [row] = await db
      .select()
      .from(productionJobs)
      .where(eq(productionJobs.id, `${scrapped}-R1`));
    expect([row!.replaces, row!.urgent, row!.status]).toEqual([scrapped, false, 'planned']);
    // 2 used up (10 → 8 on hand), 3 held for the other order and 2 for the replacement.
    expect(await material(product.materialId)).toEqual({ onHand: 8, reserved: 5 });
    expect(await heldFor([scrapped])).toEqual([{ jobId: scrapped, quantity: 2, status: 'consumed' }]);

    expect(await planning.replaceScrappedJob({ orderId, jobId: scrapped, now: later })).toEqual(replaced);
    expect(await material(product.materialId)).toEqual({ onHand: 8, reserved: 5 });

    // The replacement scrapped in turn gets the line's second replacement; short material is ordered.
    await db.update(materials).set({ onHand: 6 }).where(eq(materials.id, product.materialId));
    const again = await planning.replaceScrappedJob({ orderId, jobId: `${scrapped}-R1`, now: later });
    expect(again.job.id).toBe(`${scrapped}-R2`);
    // 6 on hand, 2 used up: 4, of which 3 are the other order's: 1 free, 1 to order.
    expect(again.materialOrders).toEqual([
      { materialId: product.materialId, supplierId: product.supplierId, quantity: 1, dueAt: at(5, '10:00') },
    ]);
    expect(again.promisedDate).toBe('2030-01-12');
    expect(await material(product.materialId)).toEqual({ onHand: 4, reserved: 5 });
  });

  it('uses up the material of finished jobs once', async () => {
    const product = await createMadeToOrderProduct(db, { minutesPerUnit: 60, materialOnHand: 10 });
    const orderId = await newOrder([{ sku: product.sku, quantity: 4 }]);
    await planning.planProduction({ orderId, urgent: false, now: NOW });
    expect(await planning.finishProduction({ orderId })).toEqual({ consumed: 0 });
    await db.update(productionJobs).set({ status: 'done', progress: 100 }).where(eq(productionJobs.orderId, orderId));

    expect(await planning.finishProduction({ orderId })).toEqual({ consumed: 4 });
    expect(await material(product.materialId)).toEqual({ onHand: 6, reserved: 0 });
    expect(await planning.finishProduction({ orderId })).toEqual({ consumed: 4 });
    expect(await material(product.materialId)).toEqual({ onHand: 6, reserved: 0 });
  });
});
