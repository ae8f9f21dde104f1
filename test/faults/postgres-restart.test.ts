import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDatabase } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { seedDatabase } from '../../db/seed.js';
import {
  startEmbeddedPostgres,
  type EmbeddedDatabase,
  type EmbeddedDatabaseOptions,
} from '../../infra/embedded-postgres.js';
import { freePort } from '../../infra/free-port.js';
import { cancelledEffects, shippedEffects } from '../support/effects.js';
import { startFaultStack, type FaultStack } from '../support/fault-stack.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asSupport, getOrder, payInFull, postOrder, waitForStatus } from '../support/http.js';
import type { Stall } from '../support/stalls.js';
import { holdTableLock } from '../support/table-lock.js';

const SHIPPED = [
  'order_received',
  'order_verified',
  'stock_reserved',
  'payment_captured',
  'order_confirmed',
  'shipment_booked',
];
// A worker that crashed leaves its activities to their 30 s start-to-close timeout before they are retried.
const RECOVERY_MS = 90_000;

let dir: string;
let databaseOptions: EmbeddedDatabaseOptions;
let postgres: EmbeddedDatabase | undefined;
let stack: FaultStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'order-orchestrator-postgres-'));
  // PostgreSQL may run as a separate system user (when we are root): let it reach its folder.
  await chmod(dir, 0o755);
  databaseOptions = { dataDir: join(dir, 'postgres'), port: await freePort(), database: 'orders_fault' };
  postgres = await startEmbeddedPostgres(databaseOptions);
  // As in the global setup: embedded-postgres's exit hook would turn a failing run into exit code 0.
  exitHook.unhookEvent('beforeExit');
  exitHook.unhookEvent('exit');
  await runMigrations(postgres.url);
  const seeding = createDatabase(postgres.url, { max: 1 });
  await seedDatabase(seeding.db, 'EUR').finally(() => seeding.close());
  stack = await startFaultStack({ temporalAddress: inject('temporalAddress'), databaseUrl: postgres.url });
});
afterAll(async () => {
  await stack?.close();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

it(
  'carries every order through a Postgres restart while its activities run, with /ready at 503 meanwhile, each effect once',
  { timeout: 180_000 },
  async () => {
    let worker = await stack.startWorker();
    const skus = await Promise.all(
      Array.from({ length: 5 }, () => createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 30 }] })),
    );
    const [bookingSku, invoicingSku, cancelledSku, paidAfterSku, reservingSku] = skus as [
      string,
      string,
      string,
      string,
      string,
    ];
    const place = async (sku: string, quantity: number) => {
      const placed = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
      expect(placed.statusCode).toBe(201);
      return placed.json().id as string;
    };
    const [booking, invoicing, cancelled, paidAfter] = await Promise.all([
      place(bookingSku, 2),
      place(invoicingSku, 2),
      place(cancelledSku, 25),
      place(paidAfterSku, 1),
    ]);
    const stalls: Stall[] = [
      { activity: 'bookShipment', match: booking, at: 'before' },
      { activity: 'releaseStock', match: cancelled, at: 'before' },
      // Held by SKU: the order has no id yet when its workflow reserves.
      { activity: 'reserveStock', match: reservingSku, at: 'before' },
    ];
    stack.stall(stalls);

    await payInFull(stack.app, cancelled);
    await waitForStatus(stack.app, cancelled, 'awaiting_confirmation');
    const cancelRequest = {
      method: 'POST' as const,
      url: `/v1/orders/${cancelled}/cancel`,
      headers: { ...asSupport, 'idempotency-key': `fault-cancel-${cancelled}` },
      payload: { reason: 'customer called', requestedBy: 'sam@support' },
    };
    const cancelling = stack.app.inject(cancelRequest);
    // The invoice is caught inside its transaction: it waits on a lock held on the number sequence when Postgres goes down.
    const lock = await holdTableLock(postgres!.url, 'invoice_sequences');
    for (const id of [booking, invoicing]) await payInFull(stack.app, id);
    await waitForStatus(stack.app, paidAfter, 'awaiting_payment');
    const reserving = await place(reservingSku, 3);
    const orderOf = (stall: Stall) => (stall.match === reservingSku ? reserving : String(stall.match));
    await Promise.all(
      stalls.map((stall) =>
        worker.waitFor(
          (line) =>
            line.phase === 'stalled-before' && line.activity === stall.activity && line.orderId === orderOf(stall),
          `${stall.activity} held`,
        ),
      ),
    );
    await expect
      .poll(
        async () =>
          (
            await stack.sql`select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%invoice_sequences%'`
          )[0]!.waiting,
        { timeout: 30_000, interval: 100 },
      )
      .toBe(1);

    await postgres!.stop();
    postgres = undefined;
    await lock.release();
    const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'unavailable', temporal: 'ok' } });
    // Let the held activities run into the outage: each fails, and Temporal retries it. The invoice's transaction was cut
    // mid-way; postgres.js 3.4.9 may then crash the whole worker process (see below), which a supervisor would restart.
    stack.stall([]);
    const failsOrCrashes = (activity: string, orderId: string) =>
      worker
        .waitFor(
          (line) => line.phase === 'failed' && line.activity === activity && line.orderId === orderId,
          `${activity} failing without Postgres`,
        )
        .then(
          () => 'failed',
          (error: unknown) => (worker.alive() ? Promise.reject(error) : 'crashed'),
        );
    await Promise.all([
      ...stalls.map((stall) => failsOrCrashes(stall.activity, orderOf(stall))),
      failsOrCrashes('issueInvoice', invoicing),
    ]);

    postgres = await startEmbeddedPostgres(databaseOptions);
    await expect
      .poll(async () => (await stack.app.inject({ method: 'GET', url: '/ready' })).statusCode, {
        timeout: 15_000,
        interval: 250,
      })
      .toBe(200);
    if (!worker.alive()) worker = await stack.startWorker();
    await payInFull(stack.app, paidAfter);
    await Promise.all([
      ...[booking, invoicing, paidAfter].map((id) => waitForStatus(stack.app, id, 'ready_to_ship', RECOVERY_MS)),
      waitForStatus(stack.app, cancelled, 'cancelled', RECOVERY_MS),
      waitForStatus(stack.app, reserving, 'awaiting_payment', RECOVERY_MS)
        .then(() => payInFull(stack.app, reserving))
        .then(() => waitForStatus(stack.app, reserving, 'ready_to_ship', RECOVERY_MS)),
    ]);

    let answer = await cancelling;
    if (answer.statusCode !== 200) {
      // An API with deadlines answers "try again" during the outage; the retry gets the recorded outcome.
      expect([503, 504]).toContain(answer.statusCode);
      answer = await stack.app.inject(cancelRequest);
    }
    const cancelledOrder = await getOrder(stack.app, cancelled);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      status: 'cancelled',
      refunded: cancelledOrder.pricing.total,
      undone: ['stock_released', 'payment_refunded'],
    });
    expect(
      await stack.effects({ id: cancelled, sku: cancelledSku, intentId: cancelledOrder.payment.intentId }),
    ).toEqual(
      cancelledEffects({
        quantity: 25,
        onHand: 30,
        paid: cancelledOrder.pricing.total,
        milestones: [
          'order_received',
          'order_verified',
          'stock_reserved',
          'payment_captured',
          'confirmation_requested',
          'order_cancelled',
        ],
      }),
    );
    for (const [id, sku, quantity] of [
      [booking, bookingSku, 2],
      [invoicing, invoicingSku, 2],
      [paidAfter, paidAfterSku, 1],
      [reserving, reservingSku, 3],
    ] as const) {
      const order = await getOrder(stack.app, id);
      expect(await stack.effects({ id, sku, intentId: order.payment.intentId }), id).toEqual(
        shippedEffects({ quantity, onHand: 30, total: order.pricing.total, milestones: SHIPPED }),
      );
    }
    // This database holds only these orders' invoices: the outage burned no invoice number.
    const numbers = (await stack.sql<Array<{ number: string }>>`select number from invoices order by number`).map(
      (row) => Number(row.number.split('-').at(-1)),
    );
    expect(numbers).toEqual([1, 2, 3, 4]);
  },
);

// postgres.js 3.4.9 (the newest release) can throw an uncatchable TypeError from a setImmediate (`socket.write` on a null
// socket in connection.js nextWrite) when a transaction is cut by a server shutdown: the worker or API process then dies, and
// that connection object stays unable to send until the process restarts. Upstream: porsager/postgres#1154, #1208 (fix in #1209).
it.todo(
  'keeps the worker process alive when Postgres goes down inside a transaction (needs the postgres.js nextWrite guard, porsager/postgres#1209)',
);
