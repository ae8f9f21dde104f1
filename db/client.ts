import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

/** The drizzle database handle used by activities and the API. */
export type Database = ReturnType<typeof createDatabase>['db'];

/** How a connection pool behaves; the API sets deadlines so a stalled Postgres never hangs a request. */
export interface DatabaseOptions {
  max?: number;
  /** Postgres cancels any statement (lock waits included) running longer than this. */
  statementTimeoutMs?: number;
  /** A connection attempt gives up after this long (postgres.js waits 30 s by default). */
  connectTimeoutMs?: number;
}

/** Opens a pooled connection to Postgres; `close()` ends it. */
export function createDatabase(url: string, options: DatabaseOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    ...(options.connectTimeoutMs ? { connect_timeout: Math.max(1, Math.ceil(options.connectTimeoutMs / 1000)) } : {}),
    ...(options.statementTimeoutMs ? { connection: { statement_timeout: Math.ceil(options.statementTimeoutMs) } } : {}),
  });
  const db = drizzle(sql, { schema, casing: 'snake_case' });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** The pool options for the API's database: every statement and connection attempt has the configured deadline. */
export function apiDatabaseOptions(api: { dbStatementTimeoutMs: number }): DatabaseOptions {
  return { statementTimeoutMs: api.dbStatementTimeoutMs, connectTimeoutMs: api.dbStatementTimeoutMs };
}
