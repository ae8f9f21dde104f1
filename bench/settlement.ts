import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { orders } from '../db/schema.js';
import { settlementId, type FeeTable, type SettlementPeriod } from '../domain/settlement.js';
import { settlementWorkflow } from '../workflows/settlement.js';

/** What the settlement benchmark runs against: the bench's own database, Temporal client and worker's task queue. */
export interface SettlementBenchDeps {
  db: Database;
  client: Client;
  taskQueue: string;
  currency: string;
  fees: FeeTable;
  log: (line: string) => void;
}

const DAY = 86_400_000;

/**
 * Fills a period of both books (the sandbox provider's and our ledger) straight in Postgres: `count`
 * movements (one in twenty a refund) spread over the period on the bench's orders, with ten of each
 * discrepancy planted: missing in the ledger, amounts that differ, and ledger entries the provider lacks.
 */
async function generatePeriod(db: Database, period: SettlementPeriod, count: number, tag: string): Promise<void> {
  const start = new Date(period.periodStart);
  const spanMs = Date.parse(period.periodEnd) - start.getTime();
  await db.execute(sql`
    with o as (select id, row_number() over (order by id) - 1 as rn from orders),
         k as (select count(*) as n from o),
         g as (
           select s.n, ${`gen_${tag}_`} || lpad(s.n::text, 7, '0') as id, ${`pi_gen_${tag}_`} || s.n as intent_id,
                  o.id as order_id, case when s.n % 20 = 0 then 'refund' else 'capture' end as kind,
                  1000 + (s.n * 37) % 9000 as amount,
                  ${start.toISOString()}::timestamptz + (s.n * ${Math.floor(spanMs / (count + 1))}::bigint) * interval '1 millisecond' as at
           from generate_series(1, ${count}) s(n) cross join k join o on o.rn = s.n % k.n
         ),
         provider as (
           insert into sandbox_payment_transactions (id, intent_id, order_id, kind, amount, currency, status, occurred_at)
           select id, intent_id, order_id, kind, amount, ${period.currency}, 'succeeded', at from g
         )
    insert into payments (order_id, intent_id, transaction_id, kind, amount, currency, occurred_at)
    select order_id, intent_id, id, kind, amount + case when n % ${Math.floor(count / 10)} = 7 then 1 else 0 end,
           ${period.currency}, at
    from g where n % ${Math.floor(count / 10)} <> 3`);
  await db.execute(sql`
    insert into payments (order_id, intent_id, transaction_id, kind, amount, currency, occurred_at)
    select (select id from orders order by id limit 1), ${`pi_gen_${tag}_ledger_`} || s.n, ${`gen_${tag}_ledger_only_`} || s.n,
           'capture', 500, ${period.currency}, ${start.toISOString()}::timestamptz + s.n * interval '1 hour'
    from generate_series(1, 10) s(n)`);
}

/** Settles one generated period and reads what it cost: time, runs (continue-as-new) and the longest run's history. */
async function settleGenerated(deps: SettlementBenchDeps, period: SettlementPeriod) {
  const id = settlementId(period);
  const t0 = performance.now();
  const result = await deps.client.workflow.execute(settlementWorkflow, {
    workflowId: id,
    taskQueue: deps.taskQueue,
    args: [{ period, requestedBy: 'bench', fees: deps.fees }],
  });
  const seconds = (performance.now() - t0) / 1000;
  const runs: string[] = [];
  for await (const execution of deps.client.workflow.list({ query: `WorkflowId = '${id}'` }))
    runs.push(execution.runId);
  let longest = 0;
  for (const runId of runs)
    longest = Math.max(longest, (await deps.client.workflow.getHandle(id, runId).fetchHistory()).events?.length ?? 0);
  return { result, seconds, runs: runs.length, longest };
}

/** Settles a month of 100k generated movements and, side by side, a day of 1k: time per movement and history size. */
export async function settlementAtScale(deps: SettlementBenchDeps, count = 100_000): Promise<string[]> {
  const small = Math.max(1_000, Math.floor(count / 100));
  const month: SettlementPeriod = {
    cycle: 'monthly',
    periodStart: '2024-06-01T00:00:00.000Z',
    periodEnd: '2024-07-01T00:00:00.000Z',
    currency: deps.currency,
  };
  const day: SettlementPeriod = {
    cycle: 'daily',
    periodStart: '2024-08-01T00:00:00.000Z',
    periodEnd: new Date(Date.parse('2024-08-01T00:00:00.000Z') + DAY).toISOString(),
    currency: deps.currency,
  };
  const placed = await deps.db.$count(orders);
  if (placed === 0)
    throw new Error(
      'the settlement bench spreads its movements over the orders the lean path placed: run it with `lean`',
    );
  deps.log(`settlement: generating ${count} + ${small} movements in both books over ${placed} orders`);
  const g0 = performance.now();
  await generatePeriod(deps.db, month, count, 'm');
  await generatePeriod(deps.db, day, small, 'd');
  const generatedIn = (performance.now() - g0) / 1000;
  deps.log('settlement: settling the day, then the month');
  const small$ = await settleGenerated(deps, day);
  const large = await settleGenerated(deps, month);
  const perMovement = (run: { seconds: number }, n: number) => (run.seconds * 1_000_000) / n;
  const row = (name: string, n: number, run: typeof large) =>
    `| ${name} | ${n.toLocaleString('en')} | ${run.seconds.toFixed(1)} s | ${perMovement(run, n).toFixed(0)} µs | ${run.runs} | ${run.longest} | ${run.result.discrepancies} | ${run.result.totals?.net ?? 0} |`;
  return [
    '## Settlement of a large period (reconciliation in pages, continue-as-new)',
    '',
    `Both books filled straight in Postgres (${generatedIn.toFixed(1)} s): one movement in twenty a refund, ten each of missing in the ledger, amount mismatch and missing at the provider. Pages of 1000 rows, a new run every 100 pages.`,
    '',
    '| period | movements | settled in | per movement | runs | longest run (events) | discrepancies | net |',
    '|---|---|---|---|---|---|---|---|',
    row('a day', small, small$),
    row('a month', count, large),
    '',
    `Ratio: a movement of the month costs ${(perMovement(large, count) / perMovement(small$, small)).toFixed(2)}× one of the day (a small period is mostly fixed cost: the runs, the thirty discrepancies resolved one by one), and no run's history exceeds ${large.longest} events however long the period: pages go to Postgres, the workflow keeps a cursor and continues as new.`,
    '',
  ];
}
