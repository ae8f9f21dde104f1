import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOverdueWaits } from '../../api/staff-alerts/overdue-waits.js';
import { orderEvents } from '../../db/schema.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { insertOrderRow } from '../support/order-rows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** An order row in `status` whose timeline holds the given entries, in order. */
async function orderWithTimeline(status: OrderStatus, entries: Array<[status: OrderStatus, at: string]>) {
  const orderId = await insertOrderRow(stack.db, { status, type: 'regular' });
  await stack.db.insert(orderEvents).values(
    entries.map(([entryStatus, at], index) => ({
      orderId,
      seq: index + 1,
      kind: 'note' as const,
      name: `step_${index + 1}`,
      status: entryStatus,
      actor: 'orchestrator',
      at: new Date(at),
    })),
  );
  return orderId;
}

describe('findOverdueWaits', () => {
  it('finds orders waiting on a person since before the cutoff, from when they last entered the status, newest first', async () => {
    const held = await orderWithTimeline('on_hold', [
      ['received', '2020-01-01T00:00:00.000Z'],
      ['on_hold', '2020-01-02T00:00:00.000Z'],
      ['on_hold', '2020-01-03T00:00:00.000Z'],
    ]);
    const back = await orderWithTimeline('awaiting_confirmation', [
      ['awaiting_confirmation', '2020-01-01T00:00:00.000Z'],
      ['on_hold', '2020-01-02T00:00:00.000Z'],
      ['awaiting_confirmation', '2020-01-09T12:00:00.000Z'],
    ]);
    const recent = await orderWithTimeline('awaiting_shortage_decision', [
      ['received', '2020-01-01T00:00:00.000Z'],
      ['awaiting_shortage_decision', '2020-01-10T00:00:00.000Z'],
    ]);
    const moving = await orderWithTimeline('ready_to_ship', [['ready_to_ship', '2020-01-01T00:00:00.000Z']]);
    const mine = new Set([held, back, recent, moving]);

    const found = await findOverdueWaits(stack.db, { enteredBefore: new Date('2020-01-10T00:00:00.000Z'), limit: 100 });
    expect(found.filter((wait) => mine.has(wait.orderId))).toEqual([
      { orderId: back, status: 'awaiting_confirmation', enteredAt: '2020-01-09T12:00:00.000Z' },
      { orderId: held, status: 'on_hold', enteredAt: '2020-01-02T00:00:00.000Z' },
    ]);
  });
});
