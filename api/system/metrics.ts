import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';

/**
 * `GET /metrics` in the Prometheus text format: request rates and latencies by route and status
 * (refused support actions show up as 409s on their route, bad webhook signatures as 401s), the
 * process's own metrics, and, read from the read model at scrape time, orders by status, open
 * orders flagged for a person and payments that named no known order. Support or admin keys only: the counts are business data.
 */
export function registerMetrics(app: FastifyInstance, db: Database, auth: Auth): void {
  // One registry per app: tests build many apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'orders',
    help: 'Orders in the read model, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.execute<{ status: string; count: number }>(
        sql`select status, count(*)::int as count from orders group by status`,
      );
      for (const row of rows) this.set({ status: row.status }, Number(row.count));
    },
  });
  new Gauge({
    name: 'orders_flagged_open',
    help: 'Orders not yet ended that carry a flag for a person (late parcel, chargeback, payment mismatch …)',
    registers: [registry],
    async collect() {
      const [row] = await db.execute<{ count: number }>(
        sql`select count(*)::int as count from orders where cardinality(flags) > 0 and status not in ('completed', 'cancelled', 'returned', 'failed')`,
      );
      this.set(Number(row?.count ?? 0));
    },
  });

  new Gauge({
    name: 'payments_unknown_order',
    help: 'Payment provider events that named no order of ours: money to trace and return at settlement',
    registers: [registry],
    async collect() {
      const [row] = await db.execute<{ count: number }>(
        sql`select count(*)::int as count from webhook_events where source = 'payments' and outcome = 'unknown_order'`,
      );
      this.set(Number(row?.count ?? 0));
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      onRequest: auth.require('support'),
      schema: { tags: ['system'], summary: 'Prometheus metrics (support or admin key)' },
    },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
}
