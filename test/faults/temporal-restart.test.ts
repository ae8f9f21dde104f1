import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/free-port.js';
import { ensureTemporalCli } from '../../infra/temporal-cli.js';
import {
  startTemporalDevServer,
  type TemporalDevServer,
  type TemporalDevServerOptions,
} from '../../infra/temporal-dev-server.js';
import { cancelledEffects, shippedEffects } from '../support/effects.js';
import { startFaultStack, type FaultStack } from '../support/fault-stack.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { getOrder, payInFull, postOrder, sendPaymentWebhook, waitForStatus } from '../support/http.js';

const SHIPPED = [
  'order_received',
  'order_verified',
  'stock_reserved',
  'payment_captured',
  'order_confirmed',
  'shipment_booked',
];
const CONFIRMATION_TIMEOUT_MS = 20_000;
// Activities whose completion was lost with the server are retried after their 30 s start-to-close timeout.
const RECOVERY_MS = 90_000;

let dir: string;
let serverOptions: TemporalDevServerOptions;
let temporal: TemporalDevServer | undefined;
let stack: FaultStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'order-orchestrator-temporal-'));
  await chmod(dir, 0o755);
  serverOptions = {
    binary: await ensureTemporalCli(() => {}),
    port: await freePort(),
    namespace: 'default',
    dbFile: join(dir, 'temporal.db'),
  };
  temporal = await startTemporalDevServer(serverOptions);
  stack = await startFaultStack({
    temporalAddress: temporal.address,
    databaseUrl: inject('databaseUrl'),
    env: { POLICY_CONFIRMATION_TIMEOUT: `${CONFIRMATION_TIMEOUT_MS / 1000}s` },
  });
});
afterAll(async () => {
  await stack?.close();
  await temporal?.stop();
  await rm(dir, { recursive: true, force: true });
});

it(
  'resumes every order from its SQLite history when the Temporal server is killed and restarted, each effect once',
  { timeout: 180_000 },
  async () => {
    const worker = await stack.startWorker();
    const skus = await Promise.all(
      Array.from({ length: 4 }, () => createProduct(stack.db, { priceMinor: 1_000, lots: [{ onHand: 30 }] })),
    );
    const [bookedSku, invoicedSku, reviewedSku, paidWhileDownSku] = skus as [string, string, string, string];
    const place = async (sku: string, quantity: number) => {
      const placed = await postOrder(stack.app, orderRequest([{ sku, quantity }]));
      expect(placed.statusCode).toBe(201);
      return placed.json().id as string;
    };
    const [booked, invoiced, reviewed, paidWhileDown] = await Promise.all([
      place(bookedSku, 2),
      place(invoicedSku, 2),
      place(reviewedSku, 25),
      place(paidWhileDownSku, 1),
    ]);
    stack.stall([
      { activity: 'bookShipment', match: booked, at: 'after' },
      { activity: 'issueInvoice', match: invoiced, at: 'after' },
    ]);

    // The reviewed order waits on its confirmation timer; nobody confirms, so it must end cancelled and refunded.
    await payInFull(stack.app, reviewed);
    const awaiting = await waitForStatus(stack.app, reviewed, 'awaiting_confirmation');
    const confirmationDeadline =
      Date.parse(awaiting.milestones.find((m) => m.name === 'confirmation_requested')!.at) + CONFIRMATION_TIMEOUT_MS;
    for (const id of [booked, invoiced]) await payInFull(stack.app, id);
    const waiting = await waitForStatus(stack.app, paidWhileDown, 'awaiting_payment');
    await Promise.all([
      worker.waitFor(
        (line) => line.phase === 'stalled-after' && line.activity === 'bookShipment' && line.orderId === booked,
        'booking held',
      ),
      worker.waitFor(
        (line) => line.phase === 'stalled-after' && line.activity === 'issueInvoice' && line.orderId === invoiced,
        'invoice held',
      ),
    ]);

    await temporal!.kill();
    const killedAt = Date.now();
    // The timer must come due while the server is down, or this test proves less than it says.
    expect(killedAt).toBeLessThan(confirmationDeadline);

    const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'ok', temporal: 'unavailable' } });
    // A payment cannot reach its order now: the provider is told to retry (503), the event is kept.
    const payment = { id: `evt_${randomUUID()}`, transactionId: `txn_${randomUUID()}` };
    const undelivered = await sendPaymentWebhook(stack.app, waiting, payment);
    expect(undelivered.statusCode).toBe(503);
    expect(undelivered.headers['retry-after']).toBeDefined();
    // The held activities finish now; their completions have no server to go to.
    stack.stall([]);
    await Promise.all([
      worker.waitFor(
        (line) => line.phase === 'done' && line.activity === 'bookShipment' && line.orderId === booked,
        'booking finished',
      ),
      worker.waitFor(
        (line) => line.phase === 'done' && line.activity === 'issueInvoice' && line.orderId === invoiced,
        'invoice finished',
      ),
    ]);
    // Not a guess at timing: the server stays down until the reviewed order's deadline has passed, so its timer fires late, after the restart.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, confirmationDeadline - Date.now())));

    temporal = await startTemporalDevServer(serverOptions);
    await expect
      .poll(async () => (await stack.app.inject({ method: 'GET', url: '/ready' })).statusCode, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(200);
    // The provider's retry of the same event is delivered, once.
    const redelivered = await sendPaymentWebhook(stack.app, waiting, payment);
    expect(redelivered.statusCode).toBe(202);
    expect(redelivered.json()).toMatchObject({ duplicate: true, outcome: 'delivered' });

    await Promise.all([
      ...[booked, invoiced, paidWhileDown].map((id) => waitForStatus(stack.app, id, 'ready_to_ship', RECOVERY_MS)),
      waitForStatus(stack.app, reviewed, 'cancelled', RECOVERY_MS),
    ]);
    expect(worker.alive(), `the worker rode out the outage:\n${worker.stderr()}`).toBe(true);

    const cancelled = await getOrder(stack.app, reviewed);
    expect(cancelled.milestones.at(-1)).toMatchObject({ name: 'order_cancelled' });
    expect(await stack.effects({ id: reviewed, sku: reviewedSku, intentId: cancelled.payment.intentId })).toEqual(
      cancelledEffects({
        quantity: 25,
        onHand: 30,
        paid: cancelled.pricing.total,
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
      [booked, bookedSku, 2],
      [invoiced, invoicedSku, 2],
      [paidWhileDown, paidWhileDownSku, 1],
    ] as const) {
      const order = await getOrder(stack.app, id);
      expect(await stack.effects({ id, sku, intentId: order.payment.intentId }), id).toEqual(
        shippedEffects({ quantity, onHand: 30, total: order.pricing.total, milestones: SHIPPED }),
      );
    }
  },
);
