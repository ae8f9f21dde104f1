/**
 * The analytics benchmark: 100k orders and about 1M timeline entries generated straight in Postgres, then every
 * analytics route timed through `app.inject`. `scripts/bench.ts` calls `analyticsBench`; run alone with
 * `npx tsx bench/analytics.ts` (its own embedded Postgres, no Temporal server needed).
 */
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { buildApp } from '../api/app.js';
import type { Database } from '../db/client.js';
import { PRODUCTS } from '../db/seed-data.js';

type App = Awaited<ReturnType<typeof buildApp>>;

const ORDERS = Number(process.env.BENCH_ANALYTICS_ORDERS ?? 100_000);
const CUSTOMERS = Math.max(1, Math.round(ORDERS * 0.35));
const CALLS = Number(process.env.BENCH_ANALYTICS_CALLS ?? 20);
const WARM_UP = 3;
const GOAL_MS = 200;
const DAY_MS = 86_400_000;
const support = { authorization: 'Bearer dev-support-key' };
const log = (line: string) => console.log(`[bench] ${line}`);

// What an order goes through, by kind of life: [kind, name, status, mean seconds since the entry before].
type Step = [kind: 'milestone' | 'note' | 'flag', name: string, status: string, meanSeconds: number];
const M = 60;
const H = 3_600;
const D = 86_400;
const placed: Step[] = [
  ['milestone', 'order_received', 'received', 0],
  ['milestone', 'order_verified', 'reserving', 2],
];
const reserved: Step[] = [['milestone', 'stock_reserved', 'awaiting_payment', 1]];
const paid: Step[] = [
  ['milestone', 'payment_captured', 'awaiting_payment', 30 * M],
  ['milestone', 'order_confirmed', 'confirmed', 2],
];
const shipped: Step[] = [
  ['milestone', 'shipment_booked', 'ready_to_ship', 3],
  ['note', 'warehouse_picked', 'ready_to_ship', 4 * H],
  ['note', 'warehouse_packed', 'ready_to_ship', H],
  ['milestone', 'parcel_picked_up', 'shipped', 6 * H],
];
const delivered: Step[] = [['milestone', 'parcel_delivered', 'delivered', 2 * D]];
const completed: Step[] = [['milestone', 'order_completed', 'completed', 14 * D]];
const produced: Step[] = [
  ['milestone', 'payment_captured', 'awaiting_payment', 30 * M],
  ['milestone', 'confirmation_requested', 'awaiting_confirmation', 1],
  ['milestone', 'order_confirmed', 'confirmed', 4 * H],
  ['milestone', 'production_planned', 'in_production', 2],
  ['note', 'production_job_started', 'in_production', D],
  ['milestone', 'quality_passed', 'quality_check', 2 * D],
];

/** Lives of regular and urgent orders and how many in a hundred live them. */
const LIVES: Array<[life: string, per100: number, steps: Step[]]> = [
  ['delivered', 49, [...placed, ...reserved, ...paid, ...shipped, ...delivered, ...completed]],
  [
    'parcel_late',
    5,
    [
      ...placed,
      ...reserved,
      ...paid,
      ...shipped,
      ['flag', 'parcel_late', 'shipped', 3 * D],
      ...delivered,
      ...completed,
    ],
  ],
  [
    'returned',
    4,
    [
      ...placed,
      ...reserved,
      ...paid,
      ...shipped,
      ...delivered,
      ['note', 'return_requested', 'delivered', 2 * D],
      ['milestone', 'order_returned', 'returned', 3 * D],
    ],
  ],
  [
    'on_hold',
    6,
    [
      ['milestone', 'order_received', 'received', 0],
      ['milestone', 'order_on_hold', 'on_hold', 5],
      ['milestone', 'hold_released', 'received', 6 * H],
      ...placed.slice(1),
      ...reserved,
      ...paid,
      ...shipped,
      ...delivered,
      ...completed,
    ],
  ],
  [
    'shortage',
    5,
    [
      ...placed,
      ['milestone', 'stock_short', 'awaiting_shortage_decision', 1],
      ['note', 'backordered', 'awaiting_shortage_decision', 4 * H],
      ['milestone', 'stock_reserved', 'awaiting_payment', 3 * D],
      ...paid,
      ...shipped,
      ...delivered,
      ...completed,
    ],
  ],
  [
    'payment_failed',
    5,
    [
      ...placed,
      ...reserved,
      ['note', 'payment_failed', 'awaiting_payment', 10 * M],
      ...paid,
      ...shipped,
      ...delivered,
      ...completed,
    ],
  ],
  ['unpaid', 15, [...placed, ...reserved, ['milestone', 'order_cancelled', 'cancelled', D]]],
  ['cancelled_by_support', 3, [...placed, ...reserved, ...paid, ['milestone', 'order_cancelled', 'cancelled', 3 * H]]],
  ['failed', 1, [...placed, ['milestone', 'order_failed', 'failed', 5]]],
  [
    'payment_failed_twice',
    7,
    [
      ...placed,
      ...reserved,
      ['note', 'payment_failed', 'awaiting_payment', 10 * M],
      ['note', 'payment_failed', 'awaiting_payment', 30 * M],
      ...paid,
      ...shipped,
      ...delivered,
      ...completed,
    ],
  ],
];
/** The life of every custom order. */
const PRODUCTION: Step[] = [...placed, ...reserved, ...produced, ...shipped, ...delivered, ...completed];

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The lives above as a VALUES list: life, step, kind, name, status, mean seconds. */
function stepRows(): string {
  return [...LIVES, ['in_production', 0, PRODUCTION] as const]
    .flatMap(([life, , steps]) =>
      steps.map(
        ([kind, name, status, mean], i) =>
          `(${literal(life)}, ${i + 1}, ${literal(kind)}, ${literal(name)}, ${literal(status)}, ${mean}::float8)`,
      ),
    )
    .join(',\n');
}

/** Each life's share as cumulative bounds in [0, 100): the order's draw picks the life whose bounds hold it. */
function lifeRows(): string {
  let from = 0;
  return LIVES.map(([life, per100]) => {
    const row = `(${literal(life)}, ${from}, ${from + per100})`;
    from += per100;
    return row;
  }).join(', ');
}

/**
 * Generates the orders straight in Postgres: customers, orders over the last 90 days (types, channels), their
 * lines, timelines following one of the lives above with exponential waits (cut at now, so recent orders are
 * still under way), parcels with carriers and surveys for delivered orders. Returns what it made.
 */
export async function generateAnalyticsData(db: Database): Promise<{ orders: number; entries: number; ms: number }> {
  const started = performance.now();
  const total = LIVES.reduce((sum, [, per100]) => sum + per100, 0);
  if (total !== 100) throw new Error(`the lives add up to ${total} in a hundred`);
  const stocked = PRODUCTS.filter((product) => !product.madeToOrder).map((product) => product.sku);
  const statements = [
    `select setseed(0.42)`,
    // Room to sort a million entries in memory, for the generator and the analytics trigger it sets off.
    `set local work_mem = '256MB'`,
    `insert into customers (id, name, email, phone)
      select 'cus_bench_' || g, 'Bench customer ' || g, 'bench-' || g || '@example.com', '+49 30 1234567'
      from generate_series(1, ${CUSTOMERS}) g
      on conflict do nothing`,
    `create temp table bench_steps (life text, step int, kind text, name text, status text, mean_s float8) on commit drop`,
    `insert into bench_steps values ${stepRows()}`,
    `create temp table bench_plan on commit drop as
      select 'ord_bench_' || lpad(g::text, 7, '0') as id,
        now() - random() * interval '90 days' as created_at,
        case when draw < 82 then 'regular' when draw < 93 then 'urgent' else 'custom' end as type,
        floor(random() * 100)::int as life_draw,
        (array['web', 'web', 'web', 'app', 'app', 'mini_program', 'phone', 'email', 'marketplace'])[1 + floor(random() * 9)::int] as channel,
        'cus_bench_' || (1 + floor(power(random(), 1.6) * ${CUSTOMERS})::int) as customer_id,
        draw
      from (select g, floor(random() * 100)::int as draw from generate_series(1, ${ORDERS}) g) drawn`,
    `create temp table bench_events on commit drop as
      select id as order_id, seq, kind, name, status, at from (
        select p.id, s.step as seq, s.kind, s.name, s.status,
          p.created_at + make_interval(secs => sum(s.mean_s * -ln(1 - random())) over (partition by p.id order by s.step)) as at
        from bench_plan p
        join (values ${lifeRows()}, ('in_production', -1, -1)) lives (life, low, high)
          on case when p.type = 'custom' then lives.life = 'in_production'
             else p.life_draw >= lives.low and p.life_draw < lives.high end
        join bench_steps s on s.life = lives.life
      ) timeline
      where at <= now()`,
    `analyze bench_plan`,
    `analyze bench_events`,
    `insert into orders (id, status, type, channel, customer_id, request, pricing, total, currency, request_hash, placed_by, created_at, updated_at)
      select p.id, last.status, p.type, p.channel, p.customer_id, '{}'::jsonb, '{}'::jsonb, 1000 + (p.draw * 37), 'EUR', p.id, 'bench', p.created_at, last.at
      from bench_plan p
      join (select distinct on (order_id) order_id, status, at from bench_events order by order_id, seq desc) last
        on last.order_id = p.id`,
    `insert into order_lines (order_id, line_no, sku, quantity, unit_price)
      select p.id, line, (array[${stocked.map(literal).join(', ')}])[1 + floor(random() * ${stocked.length})::int],
        1 + floor(random() * 3)::int, 890
      from bench_plan p cross join generate_series(1, 1 + p.draw % 2) line`,
    `insert into shipments (order_id, carrier_id, service, tracking_number, status, cost, weight_grams, volume_cm3, eta, booked_at)
      select e.order_id, (array['swiftpost', 'parcelnet', 'expressline'])[1 + floor(random() * 3)::int], 'standard',
        'BENCH' || e.order_id, 'booked', 590, 500, 1200, e.at + interval '3 days', e.at
      from bench_events e where e.name = 'shipment_booked'`,
    `insert into surveys (order_id, channel, sent_at, closes_at, responded_at, product_rating, delivery_rating, service_rating)
      select e.order_id, 'email', e.at + interval '1 hour', e.at + interval '14 days', answered.at,
        case when answered.at is not null then 1 + floor(random() * 5)::int end,
        case when answered.at is not null then 1 + floor(random() * 5)::int end,
        case when answered.at is not null then 1 + floor(random() * 5)::int end
      from bench_events e
      cross join lateral (select case when random() < 0.6 then e.at + interval '1 hour' + random() * interval '3 days' end as at) answered
      where e.name = 'parcel_delivered' and e.at + interval '1 hour' <= now()`,
    `insert into order_events (order_id, seq, kind, name, status, actor, reason, detail, at)
      select order_id, seq, kind, name, status, 'bench',
        case when name = 'order_cancelled' and status = 'cancelled' and seq > 5 then 'changed my mind'
             when name = 'order_cancelled' then 'payment_timeout' end,
        case when name = 'order_cancelled' and seq > 5 then '{"requestedBy": "bench"}'::jsonb end,
        at
      from bench_events
      order by order_id, seq`,
  ];
  await db.transaction(async (tx) => {
    for (const statement of statements) {
      const t0 = performance.now();
      await tx.execute(sql.raw(statement));
      if (process.env.BENCH_VERBOSE)
        log(`${(performance.now() - t0).toFixed(0)} ms: ${statement.slice(0, 60).replace(/\s+/g, ' ')}`);
    }
  });
  // As autovacuum would on a live system: fresh statistics, and the visibility map that index-only scans need.
  await db.execute(
    sql`vacuum analyze order_stage_spans, order_outcomes, orders, order_lines, surveys, shipments, order_events`,
  );
  const [counts] = await db.execute<{ orders: number; entries: number }>(sql`
    select (select count(*)::int from orders where id like 'ord_bench_%') as orders,
      (select count(*)::int from order_events where order_id like 'ord_bench_%') as entries`);
  return { orders: counts!.orders, entries: counts!.entries, ms: performance.now() - started };
}

interface Timing {
  p50: number;
  p95: number;
}

/** Calls one route `WARM_UP` times, then `CALLS` times one after another; refuses anything but 200. */
async function time(app: App, url: string): Promise<Timing> {
  const call = async () => {
    const t0 = performance.now();
    const response = await app.inject({ method: 'GET', url, headers: support });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < WARM_UP; i += 1) await call();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i += 1) samples.push(await call());
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}

const ROUTES = ['stages', 'funnel', 'exceptions', 'customers', 'satisfaction', 'inventory'] as const;

/** Generates the data, times every analytics route over it and returns the Markdown section for bench/REPORT.md. */
export async function analyticsBench(app: App, db: Database): Promise<string[]> {
  log(`analytics: generating ${ORDERS} orders and their timelines`);
  const made = await generateAnalyticsData(db);
  log(`analytics: ${made.orders} orders, ${made.entries} timeline entries in ${(made.ms / 1000).toFixed(1)} s`);
  return timeAnalytics(app, made);
}

/** Times every analytics route over the generated data; the Markdown section for bench/REPORT.md. */
export async function timeAnalytics(
  app: App,
  made: { orders: number; entries: number; ms: number },
  routes: readonly string[] = ROUTES,
): Promise<string[]> {
  const now = Date.now();
  const window = `from=${new Date(now - 30 * DAY_MS).toISOString()}&to=${new Date(now).toISOString()}`;
  const filters: Array<[label: string, query: string]> = [
    ['whole history', ''],
    ['type=regular', 'type=regular'],
    ['last 30 days', window],
    ['last 30 days, type=urgent', `${window}&type=urgent`],
  ];
  const rows: string[] = [];
  let worst = 0;
  for (const route of routes)
    for (const [label, query] of filters) {
      const { p50, p95 } = await time(app, `/v1/analytics/${route}${query ? `?${query}` : ''}`);
      worst = Math.max(worst, p95);
      log(`analytics: ${route} (${label}) p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
      rows.push(
        `| \`GET /v1/analytics/${route}\` | ${label} | ${p50.toFixed(1)} ms | ${p95.toFixed(1)} ms | ${(p95 / GOAL_MS).toFixed(2)} |`,
      );
    }
  return [
    '',
    '## Analytics at scale',
    '',
    `${made.orders} orders over 90 days with ${made.entries} timeline entries, generated in Postgres in ${(made.ms / 1000).toFixed(1)} s (\`BENCH_ANALYTICS_ORDERS\`). Each route: ${WARM_UP} warm-up calls, then ${CALLS} one after another (\`BENCH_ANALYTICS_CALLS\`). The inventory view defaults to the last 30 days when no window is given. Goal: under ${GOAL_MS} ms.`,
    '',
    '| route | filter | p50 | p95 | p95 ÷ goal |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Worst p95: ${worst.toFixed(1)} ms, ${(worst / GOAL_MS).toFixed(2)}× the ${GOAL_MS} ms goal.`,
    '',
  ];
}

/** Runs the analytics benchmark alone: its own embedded Postgres, the API with a Temporal client that never connects. */
async function runAlone(): Promise<void> {
  const [{ buildApp }, { loadConfig }, { createDatabase }, { runMigrations }, { seedDatabase }, pg, { freePort }] =
    await Promise.all([
      import('../api/app.js'),
      import('../config/env.js'),
      import('../db/client.js'),
      import('../db/migrate.js'),
      import('../db/seed.js'),
      import('../infra/embedded-postgres.js'),
      import('../infra/free-port.js'),
    ]);
  const root = await mkdtemp(join(tmpdir(), 'order-orchestrator-bench-analytics-'));
  await chmod(root, 0o755);
  const postgres = await pg.startEmbeddedPostgres({
    dataDir: join(root, 'postgres'),
    port: await freePort(),
    database: 'orders_bench',
    log,
  });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: postgres.url,
    API_KEYS: '',
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  await runMigrations(postgres.url);
  const database = createDatabase(postgres.url, { max: 10 });
  await seedDatabase(database.db, config.currency);
  // Analytics never asks Temporal: a lazy connection that is never used.
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = await buildApp({ config, db: database.db, temporal });
  try {
    console.log(`\n${(await analyticsBench(app, database.db)).join('\n')}`);
  } finally {
    await app.close();
    await database.close();
    await postgres.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runAlone();
  process.exit(0);
}
