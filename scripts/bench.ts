/**
 * `npm run bench`: measures the orchestrator on this machine against the real parts (an in-memory
 * Temporal dev server, an embedded PostgreSQL, the worker and the API in this process) and writes
 * bench/REPORT.md. The machine is shared and noisy: read the ratios measured side by side in one
 * run, not the absolute numbers.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app.js';
import { analyticsBench } from '../bench/analytics.js';
import { loadConfig } from '../config/env.js';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { products, stockLots } from '../db/schema.js';
import { seedDatabase } from '../db/seed.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { freePort } from '../infra/free-port.js';
import { ensureTemporalCli } from '../infra/temporal-cli.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { signWebhookBody } from '../ports/webhook-signature.js';
import { payloadDataConverter } from '../temporal/connection.js';
import { startWorker } from '../worker.js';
import { settlementAtScale } from '../bench/settlement.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const log = (line: string) => console.log(`[bench] ${line}`);
/** `BENCH_ONLY=settlement` (comma-separated section names) runs only those sections. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const runs = (section: string) => !ONLY || ONLY.includes(section);

type App = Awaited<ReturnType<typeof buildApp>>;
interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

const stats = (samples: number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Runs `task(i)` for i < count with at most `limit` at once. */
async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const root = await mkdtemp(join(tmpdir(), 'order-orchestrator-bench-'));
  // PostgreSQL may run as a separate system user (when we are root): let it reach its folder.
  await chmod(root, 0o755);
  const binary = await ensureTemporalCli(log);
  const [temporalPort, postgresPort] = [await freePort(), await freePort()];
  const [temporal, postgres] = await Promise.all([
    startTemporalDevServer({ binary, port: temporalPort, namespace: 'default', log }),
    startEmbeddedPostgres({ dataDir: join(root, 'postgres'), port: postgresPort, database: 'orders_bench', log }),
  ]);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: postgres.url,
    TEMPORAL_TASK_QUEUE: 'bench',
    API_KEYS: '',
    POLICY_PAYMENT_TIMEOUT: '10m',
    RATE_LIMIT_PER_MINUTE: '100000000',
    // The bench places thousands of orders for few customers and addresses: velocity rules would hold them all.
    RISK_MAX_ORDERS_PER_CUSTOMER: 'off',
    RISK_MAX_ORDERS_PER_ADDRESS: 'off',
  });
  await runMigrations(postgres.url);
  const database = createDatabase(postgres.url, { max: 20 });
  await seedDatabase(database.db, config.currency);
  const skus = ['BENCH-A', 'BENCH-B', 'BENCH-C'];
  await database.db.insert(products).values(
    skus.map((sku, i) => ({
      sku,
      name: `Bench ${sku}`,
      category: 'tea',
      priceMinor: 800 + 300 * i,
      currency: config.currency,
      weightGrams: 250,
      volumeCm3: 600,
    })),
  );
  await database.db.insert(stockLots).values(
    skus.map((sku) => ({
      sku,
      warehouseId: 'WH-BER',
      lotCode: `${sku}-L1`,
      receivedAt: new Date(),
      onHand: 1_000_000,
    })),
  );

  const worker = await startWorker({ config, temporalAddress: temporal.address, databaseUrl: postgres.url });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, dataConverter: payloadDataConverter(config.temporal) });
  const app = await buildApp({ config, db: database.db, temporal: client });
  const results: string[] = [];
  try {
    if (runs('lean')) results.push(...(await leanPath(app)));
    if (runs('support')) results.push(...(await supportActions(app)));
    if (runs('codec')) results.push(...(await codecCost(config)));
    if (runs('settlement'))
      results.push(
        ...(await settlementAtScale({
          db: database.db,
          client,
          taskQueue: 'bench',
          currency: config.currency,
          fees: config.settlement.fees,
          log,
        })),
      );
    if (runs('analytics')) results.push(...(await analyticsBench(app, database.db)));
  } finally {
    await app.close();
    await connection.close();
    await worker.stop();
    await database.close();
    await Promise.allSettled([temporal.stop(), postgres.stop()]);
    await rm(root, { recursive: true, force: true });
  }
  const report = [
    '# Benchmark report',
    '',
    `Run ${new Date().toISOString()} with \`npm run bench\` (${ORDERS} orders, ${CONCURRENCY} at a time; \`BENCH_ORDERS\`, \`BENCH_CONCURRENCY\`).`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. The machine is shared: compare the ratios, measured side by side in this run, rather than absolute times.`,
    '',
    'Everything is real: an in-memory Temporal dev server, an embedded PostgreSQL, one worker and the API in one process (requests go through `app.inject`, so no socket time is counted). Latencies include polling the read model every 25 ms.',
    '',
    ...results,
    '',
  ].join('\n');
  await mkdir(new URL('../bench/', import.meta.url), { recursive: true });
  await writeFile(new URL('../bench/REPORT.md', import.meta.url), report);
  console.log(`\n${report}`);
  log('wrote bench/REPORT.md');
}

const body = (i: number) => ({
  channel: 'web',
  type: 'regular',
  customer: { name: `Bench ${i}`, email: `bench-${i}-${Date.now()}@example.com`, phone: '+49 30 1234567' },
  shippingAddress: {
    recipient: `Bench ${i}`,
    phone: '+49 30 1234567',
    country: 'DE',
    region: 'Berlin',
    city: 'Berlin',
    line1: 'Unter den Linden 1',
    postalCode: '10117',
  },
  lines: [
    { sku: 'BENCH-A', quantity: 1 + (i % 3) },
    { sku: 'BENCH-B', quantity: 1 },
  ],
  paymentMethod: 'credit_card',
});
const service = { authorization: 'Bearer dev-service-key' };
const support = { authorization: 'Bearer dev-support-key' };

async function until(
  app: App,
  id: string,
  status: string,
): Promise<{ status: string; payment: { intentId: string }; pricing: { total: number; currency: string } }> {
  for (;;) {
    const order = (await app.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: service })).json();
    if (order.status === status) return order;
    if (['cancelled', 'failed', 'completed'].includes(order.status))
      throw new Error(`order ${id} ended ${order.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function place(app: App, i: number): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/v1/orders', headers: service, payload: body(i) });
  if (response.statusCode !== 201) throw new Error(`placing: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

async function pay(
  app: App,
  id: string,
  order: { payment: { intentId: string }; pricing: { total: number; currency: string } },
) {
  const event = JSON.stringify({
    id: `evt_${id}`,
    type: 'payment.succeeded',
    orderId: id,
    paymentIntentId: order.payment.intentId,
    transactionId: `txn_${id}`,
    amount: order.pricing.total,
    currency: order.pricing.currency,
    occurredAt: new Date().toISOString(),
  });
  await app.inject({
    method: 'POST',
    url: '/v1/webhooks/payments',
    headers: { 'content-type': 'application/json', 'x-signature': signWebhookBody(event, 'dev-webhook-secret') },
    payload: event,
  });
}

/** The lean path: placement answered, stock reserved and payment asked for, then paid through to a booked parcel and an invoice. */
async function leanPath(app: App): Promise<string[]> {
  log(`lean path: ${ORDERS} orders, ${CONCURRENCY} at a time`);
  const placement: number[] = [];
  const toPayment: number[] = [];
  const paidToShip: number[] = [];
  const started = performance.now();
  await pool(ORDERS, CONCURRENCY, async (i) => {
    const t0 = performance.now();
    const id = await place(app, i);
    const t1 = performance.now();
    const awaiting = await until(app, id, 'awaiting_payment');
    const t2 = performance.now();
    await pay(app, id, awaiting);
    await until(app, id, 'ready_to_ship');
    const t3 = performance.now();
    placement.push(t1 - t0);
    toPayment.push(t2 - t0);
    paidToShip.push(t3 - t2);
  });
  const seconds = (performance.now() - started) / 1000;
  const [a, b, c] = [stats(placement), stats(toPayment), stats(paidToShip)];
  return [
    '## Lean path (regular orders, automatic confirmation)',
    '',
    '| step | p50 | p95 | max |',
    '|---|---|---|---|',
    `| \`POST /v1/orders\` answered (priced, recorded, workflow started) | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(a.max)} |`,
    `| placed → \`awaiting_payment\` (verified, stock reserved, intent opened) | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.max)} |`,
    `| payment webhook → \`ready_to_ship\` (captured, confirmed, carrier booked, stock committed, invoice issued and sent) | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.max)} |`,
    '',
    `Throughput: ${(ORDERS / seconds).toFixed(1)} orders/s from placement to a booked parcel (${ORDERS} orders in ${seconds.toFixed(1)} s).`,
    `Ratio: the paid-to-shipped leg takes ${(c.p50 / b.p50).toFixed(1)}× the placed-to-reserved leg at p50 (it runs 4 more activities and 4 more timeline writes).`,
    '',
  ];
}

/** Support actions are updates: the answer waits for the workflow. Edits queue for a safe point and re-price and re-reserve. */
async function supportActions(app: App): Promise<string[]> {
  const n = Math.max(10, Math.floor(ORDERS / 2));
  log(`support actions: ${n} edits and ${n} cancellations, one at a time`);
  const ids: string[] = [];
  await pool(2 * n, CONCURRENCY, async (i) => {
    const id = await place(app, 10_000 + i);
    await until(app, id, 'awaiting_payment');
    ids.push(id);
  });
  const edits: number[] = [];
  const cancels: number[] = [];
  for (const id of ids.slice(0, n)) {
    const t0 = performance.now();
    const response = await app.inject({
      method: 'PATCH',
      url: `/v1/orders/${id}`,
      headers: support,
      payload: { requestedBy: 'bench', lines: [{ sku: 'BENCH-C', quantity: 2 }] },
    });
    if (response.statusCode !== 200) throw new Error(`edit: ${response.statusCode} ${response.body}`);
    edits.push(performance.now() - t0);
  }
  for (const id of ids.slice(n)) {
    const t0 = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: `/v1/orders/${id}/cancel`,
      headers: support,
      payload: { requestedBy: 'bench', reason: 'bench' },
    });
    if (response.statusCode !== 200) throw new Error(`cancel: ${response.statusCode} ${response.body}`);
    cancels.push(performance.now() - t0);
  }
  const [e, c] = [stats(edits), stats(cancels)];
  return [
    '## Support actions (answered by the order workflow)',
    '',
    '| action | p50 | p95 | max |',
    '|---|---|---|---|',
    `| \`PATCH /v1/orders/:id\` new lines while awaiting payment (priced, reservation swapped, order rewritten, intent amended, timeline, e-mail) | ${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.max)} |`,
    `| \`POST /v1/orders/:id/cancel\` while awaiting payment (stock released, timeline, e-mail) | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.max)} |`,
    '',
    `Ratio: an edit answers in ${(e.p50 / c.p50).toFixed(2)}× the time of a cancellation at p50.`,
    '',
  ];
}

/** What encrypting every payload costs, against converting it without the codec. */
async function codecCost(config: ReturnType<typeof loadConfig>): Promise<string[]> {
  const [codec] = payloadDataConverter(config.temporal).payloadCodecs;
  const input = {
    orderId: 'ord_01J0000000000000000000000X',
    placedAt: new Date().toISOString(),
    type: 'regular',
    channel: 'web',
    customerId: 'cus_01J0000000000000000000000X',
    paymentMethod: 'credit_card',
    lines: [1, 2, 3].map((lineNo) => ({
      lineNo,
      sku: `TEA-00${lineNo}`,
      quantity: lineNo,
      unitPrice: 1299,
      madeToOrder: false,
    })),
    shippingAddress: {
      recipient: 'Ada Lovelace',
      phone: '+49 30 1234567',
      country: 'DE',
      region: 'Berlin',
      city: 'Berlin',
      line1: 'Unter den Linden 1',
      postalCode: '10117',
    },
  };
  const rounds = 20_000;
  const time = async (work: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < rounds; i += 1) await work();
    return (performance.now() - t0) / rounds;
  };
  const plain = await time(async () => defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(input)));
  const encrypted = await time(async () =>
    defaultPayloadConverter.fromPayload(
      (await codec!.decode(await codec!.encode([defaultPayloadConverter.toPayload(input)])))[0]!,
    ),
  );
  return [
    '## Payload codec (AES-256-GCM on every payload)',
    '',
    `A ${JSON.stringify(input).length}-byte order payload, converted and read back ${rounds} times: ${(plain * 1000).toFixed(1)} µs without the codec, ${(encrypted * 1000).toFixed(1)} µs with encryption and decryption (${(encrypted / plain).toFixed(1)}×). Against the milliseconds of one workflow step above, encryption is noise.`,
  ];
}

await main();
process.exit(0);
