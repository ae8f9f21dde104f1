import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { orderRequest } from '../support/fixtures.js';
import { postOrder } from '../support/http.js';
import { holdLock } from '../support/held-lock.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ API_DB_STATEMENT_TIMEOUT: '1s' });
});
afterAll(async () => {
  await stack.close();
});

/** An app whose log lines are kept in `lines`. */
async function appWithCapturedLog() {
  const lines: string[] = [];
  const app = await buildApp({
    config: stack.config,
    db: stack.db,
    temporal: stack.client,
    logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } },
  });
  return { app, lines };
}

/** Holds an exclusive lock on `table` until the returned release is called. */
async function lockTable(table: string) {
  const lock = await holdLock(stack.config.databaseUrl!, `lock table ${table} in access exclusive mode`);
  return () => lock.release();
}

describe('logs carry no personal data', () => {
  it('a failed insert is logged with its message and code, without the SQL parameters (e-mail, name, phone) or the body', async () => {
    const { app, lines } = await appWithCapturedLog();
    const order = orderRequest([{ sku: 'TEA-001', quantity: 1 }], {
      customer: { name: 'Privat Person', email: 'privat.person.4711@example.com', phone: '+49 30 4711 4711' },
    });
    // Placement inserts the customer first: with the table locked, that insert runs out of time.
    const release = await lockTable('customers');
    let response;
    try {
      response = await postOrder(app, order);
    } finally {
      await release();
    }
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ type: '/problems/database-unavailable' });

    const log = lines.join('');
    const failure = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'database unavailable');
    expect(failure.err).toMatchObject({
      type: 'DrizzleQueryError',
      message: expect.stringContaining('insert into "customers"'),
      cause: { code: '57014' },
    });
    expect(failure.err.message).toContain('params: [redacted]');
    for (const secret of ['privat.person.4711@example.com', 'Privat Person', '4711 4711'])
      expect(log).not.toContain(secret);
    await app.close();
  });

  it('a refused body is not logged either', async () => {
    const { app, lines } = await appWithCapturedLog();
    const order = orderRequest([{ sku: 'TEA-001', quantity: 1 }], {
      customer: { name: 'Nul\u0000Person', email: 'nul.person.0815@example.com', phone: '+49 30 0815 0815' },
    });
    expect((await postOrder(app, order)).statusCode).toBe(400);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain('nul.person.0815@example.com');
    await app.close();
  });
});
