import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  payments,
  sandboxPaymentIntents,
  sandboxPaymentTransactions,
  sandboxPayouts,
  settlementDiscrepancies,
  settlements,
} from '../../db/schema.js';
import { settlementId, type SettlementPeriod } from '../../domain/settlement.js';
import { settlementWorkflow } from '../../workflows/settlement.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { asAdmin, asSupport, getTimeline, sendPaymentWebhook, waitForStatus } from '../support/http.js';
import {
  captureAtProvider,
  cardFee,
  createProductIn,
  orderAwaitingPayment,
  settle,
  statementOf,
  type SettlementBody,
} from '../support/settlement.js';
import { uniqueTag } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

// This file sells in XTS (the ISO code kept for testing): its settlements see only its own money.
let stack: TestStack;
let sku: string;

beforeAll(async () => {
  stack = await startTestStack({ CURRENCY: 'XTS', SANDBOX_REFUND_DELAY: '200ms', SANDBOX_WEBHOOK_SEND_EVERY: '100ms' });
  await stack.startWorker();
  sku = await createProductIn(stack, 2_500);
});
afterAll(() => stack.close());

const now = () => new Date().toISOString();
const afterNow = async () => {
  const end = new Date(Date.now() + 5);
  await new Promise((resolve) => setTimeout(resolve, 10));
  return end.toISOString();
};

/** Waits until the provider has paid back `count` refunds of the order (they are on its statement). */
async function refundsPaidBack(from: string, orderId: string, count: number) {
  await expect
    .poll(
      async () =>
        (await statementOf(stack, from, new Date(Date.now() + 60_000).toISOString())).filter(
          (e) => e.orderId === orderId && e.kind === 'refund',
        ).length,
      {
        timeout: 20_000,
        interval: 200,
      },
    )
    .toBe(count);
}

describe('settlement of a period', () => {
  it('matches the ledger and the statement exactly, pays the net out once, and counts nothing twice when run again', async () => {
    const start = now();
    const paid = [await orderAwaitingPayment(stack, sku, 1), await orderAwaitingPayment(stack, sku, 2)];
    const cancelled = await orderAwaitingPayment(stack, sku, 3);
    for (const order of [...paid, cancelled])
      await captureAtProvider(stack, order.payment.intentId!, order.pricing.total);
    for (const order of [...paid, cancelled]) await waitForStatus(stack.app, order.id, 'ready_to_ship');
    const cancel = await stack.app.inject({
      method: 'POST',
      url: `/v1/orders/${cancelled.id}/cancel`,
      headers: asSupport,
      payload: { reason: 'customer changed their mind', requestedBy: 'sam@support' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await waitForStatus(stack.app, cancelled.id, 'cancelled');
    await refundsPaidBack(start, cancelled.id, 1);
    const end = await afterNow();

    const settlement = await settle(stack, start, end);
    const statement = await statementOf(stack, start, end);
    const totals = [...paid, cancelled].map((order) => order.pricing.total);
    const captured = totals.reduce((sum, total) => sum + total, 0);
    const fees = totals.reduce((sum, total) => sum + cardFee(total), 0);
    const refunded = cancelled.pricing.total;

    expect(statement).toHaveLength(4);
    expect(settlement.status).toBe('paid_out');
    expect(settlement.discrepancies).toEqual([]);
    expect(settlement.flagged).toBe(false);
    expect(settlement.totals).toEqual({ captured, refunded, chargebacks: 0, fees, net: captured - refunded - fees });
    expect(settlement.lineCount).toBe(4);
    expect(new Set(settlement.lines.map((line) => line.transactionId))).toEqual(
      new Set(statement.map((e) => e.transactionId)),
    );
    for (const line of settlement.lines) expect(line.fee).toBe(line.kind === 'capture' ? cardFee(line.amount) : 0);
    expect(settlement.payout).toMatchObject({ amount: captured - refunded - fees, status: 'paid' });

    // The ledger holds the same money for the period.
    const ledger = await stack.db
      .select({ kind: payments.kind, amount: payments.amount, transactionId: payments.transactionId })
      .from(payments)
      .where(and(eq(payments.currency, 'XTS')))
      .orderBy(payments.id);
    const mine = ledger.filter((row) => statement.some((entry) => entry.transactionId === row.transactionId));
    expect(mine.filter((row) => row.kind === 'capture').reduce((sum, row) => sum + row.amount, 0)).toBe(captured);
    expect(mine.filter((row) => row.kind === 'refund').reduce((sum, row) => sum + row.amount, 0)).toBe(refunded);

    // The same period again is the same settlement: nothing counted, flagged or paid twice.
    const again = await settle(stack, start, end);
    expect(again).toEqual(settlement);
    const payouts = await stack.db.select().from(sandboxPayouts).where(eq(sandboxPayouts.reference, settlement.id));
    expect(payouts).toHaveLength(1);
  });

  it('recovers a capture whose webhook never came, and flags a duplicate capture and an amount mismatch', async () => {
    const start = now();
    const lost = await orderAwaitingPayment(stack, sku, 1);
    const twice = await orderAwaitingPayment(stack, sku, 1);
    const mismatched = await orderAwaitingPayment(stack, sku, 2);

    // The provider captured, but its webhook never reached us.
    const lostCapture = await captureAtProvider(stack, lost.payment.intentId!, lost.pricing.total, false);
    // The customer paid twice: the order refunds the second capture.
    await captureAtProvider(stack, twice.payment.intentId!, twice.pricing.total);
    await waitForStatus(stack.app, twice.id, 'ready_to_ship');
    const second = await captureAtProvider(stack, twice.payment.intentId!, twice.pricing.total);
    await refundsPaidBack(start, twice.id, 1);
    // The provider booked the full amount, but told us of less: the order refunds what it was told of.
    const booked = await captureAtProvider(stack, mismatched.payment.intentId!, mismatched.pricing.total, false);
    const told = mismatched.pricing.total - 100;
    expect(
      (await sendPaymentWebhook(stack.app, mismatched, { transactionId: booked.transactionId, amount: told }))
        .statusCode,
    ).toBe(202);
    await refundsPaidBack(start, mismatched.id, 1);
    // We took a payment the provider never booked (a forged or misrouted webhook).
    const ghost = await orderAwaitingPayment(stack, sku, 1);
    expect((await sendPaymentWebhook(stack.app, ghost)).statusCode).toBe(202);
    await waitForStatus(stack.app, ghost.id, 'ready_to_ship');
    // A customer disputed a payment with their bank.
    const disputed = await orderAwaitingPayment(stack, sku, 1);
    const disputedCapture = await captureAtProvider(stack, disputed.payment.intentId!, disputed.pricing.total);
    await waitForStatus(stack.app, disputed.id, 'ready_to_ship');
    const chargeback = await stack.app.inject({
      method: 'POST',
      url: '/v1/test-helpers/payments/chargebacks',
      headers: asAdmin,
      payload: { transactionId: disputedCapture.transactionId },
    });
    expect(chargeback.statusCode, chargeback.body).toBe(201);
    const end = await afterNow();
    expect(
      (await stack.app.inject({ method: 'GET', url: `/v1/orders/${lost.id}`, headers: asSupport })).json().status,
    ).toBe('awaiting_payment');

    const settlement = await settle(stack, start, end);
    const byKind = (kind: string) => settlement.discrepancies.filter((d) => d.kind === kind);
    expect(settlement.flagged).toBe(true);
    expect(byKind('missing_in_ledger')).toEqual([
      {
        kind: 'missing_in_ledger',
        transactionId: lostCapture.transactionId,
        orderId: lost.id,
        expected: null,
        actual: lost.pricing.total,
        resolution: 'recovered: recorded in the ledger and signalled to the order',
      },
    ]);
    expect(byKind('duplicate_capture')).toEqual([
      {
        kind: 'duplicate_capture',
        transactionId: second.transactionId,
        orderId: twice.id,
        expected: null,
        actual: twice.pricing.total,
        resolution: 'refunded to the customer',
      },
    ]);
    expect(byKind('amount_mismatch')).toEqual([
      {
        kind: 'amount_mismatch',
        transactionId: booked.transactionId,
        orderId: mismatched.id,
        expected: told,
        actual: mismatched.pricing.total,
        resolution: 'settled at the provider’s amount; the order flagged',
      },
    ]);
    const ghostLedger = await stack.db.select().from(payments).where(eq(payments.orderId, ghost.id));
    expect(byKind('missing_at_provider')).toEqual([
      {
        kind: 'missing_at_provider',
        transactionId: ghostLedger[0]!.transactionId,
        orderId: ghost.id,
        expected: ghost.pricing.total,
        actual: null,
        resolution: 'not settled; the order flagged',
      },
    ]);
    expect(byKind('chargeback')).toEqual([
      {
        kind: 'chargeback',
        transactionId: chargeback.json().transactionId,
        orderId: disputed.id,
        expected: null,
        actual: disputed.pricing.total,
        resolution: 'disputed amount withheld; the order flagged',
      },
    ]);
    expect(settlement.discrepancies).toHaveLength(5);
    expect(settlement.lines.find((line) => line.kind === 'chargeback')).toMatchObject({
      amount: disputed.pricing.total,
      fee: 1_500,
    });
    expect(settlement.lines.some((line) => line.orderId === ghost.id)).toBe(false);
    await expect
      .poll(
        async () =>
          (await getTimeline(stack.app, ghost.id)).filter((e) => e.name === 'settlement_missing_at_provider').length,
      )
      .toBe(1);
    expect((await getTimeline(stack.app, disputed.id)).filter((e) => e.name === 'chargeback')).toHaveLength(1);

    // The lost capture reached its order: paid, and on its way.
    await waitForStatus(stack.app, lost.id, 'ready_to_ship');
    await expect
      .poll(
        async () =>
          (await getTimeline(stack.app, mismatched.id)).filter((e) => e.name === 'settlement_amount_mismatch').length,
      )
      .toBe(1);
    const flagged = await stack.client.workflow.getHandle(orderWorkflowId(mismatched.id)).describe();
    expect(flagged.searchAttributes.Flagged).toEqual([true]);
    const run = await stack.client.workflow.getHandle(settlement.id).describe();
    expect(run.searchAttributes.Flagged).toEqual([true]);

    // Every line is the provider's money: the net follows from the lines.
    const sum = (kind: string) =>
      settlement.lines.filter((l) => l.kind === kind).reduce((total, l) => total + l.amount, 0);
    const fees = settlement.lines.reduce((total, l) => total + l.fee, 0);
    expect(settlement.totals).toEqual({
      captured: sum('capture'),
      refunded: sum('refund'),
      chargebacks: disputed.pricing.total,
      fees,
      net: sum('capture') - sum('refund') - sum('chargeback') - fees,
    });

    // Settling again resolves nothing twice: the order was paid once.
    const again = await settle(stack, start, end);
    expect(again).toEqual(settlement);
    const milestones = (await getTimeline(stack.app, lost.id)).filter((e) => e.name === 'payment_captured');
    expect(milestones).toHaveLength(1);

    // A run that died after every effect but before recording any of them does each step again: every
    // step is idempotent, so the money, the flags and the payout come out the same, once.
    await stack.db
      .update(settlements)
      .set({ status: 'running', totals: null, payoutId: null })
      .where(eq(settlements.id, settlement.id));
    await stack.db
      .update(settlementDiscrepancies)
      .set({ resolution: null, resolvedAt: null })
      .where(eq(settlementDiscrepancies.settlementId, settlement.id));
    const period = { cycle: 'daily' as const, periodStart: start, periodEnd: end, currency: 'XTS' };
    await stack.client.workflow.execute(settlementWorkflow, {
      workflowId: `${settlement.id}-retried`,
      taskQueue: stack.taskQueue,
      args: [{ period, requestedBy: 'admin', fees: stack.config.settlement.fees }],
    });
    const retried = (
      await stack.app.inject({ method: 'GET', url: `/v1/settlements/${settlement.id}`, headers: asSupport })
    ).json();
    expect(retried).toEqual(settlement);
    expect(
      await stack.db.select().from(sandboxPayouts).where(eq(sandboxPayouts.reference, settlement.id)),
    ).toHaveLength(1);
    expect(
      await stack.db.select().from(payments).where(eq(payments.transactionId, lostCapture.transactionId)),
    ).toHaveLength(1);
    await waitForStatus(stack.app, lost.id, 'ready_to_ship');
    expect((await getTimeline(stack.app, lost.id)).filter((e) => e.name === 'payment_captured')).toHaveLength(1);
    for (const [order, flag] of [
      [mismatched, 'settlement_amount_mismatch'],
      [ghost, 'settlement_missing_at_provider'],
    ] as const)
      expect((await getTimeline(stack.app, order.id)).filter((e) => e.name === flag)).toHaveLength(1);
  });
});

describe('money for an order that is not ours', () => {
  it('is found by the settlement and refunded to the customer', async () => {
    const start = now();
    const stranger = `ord_stranger_${uniqueTag()}`;
    const intentId = `pi_stranger_${uniqueTag()}`;
    // Another shop's intent, misrouted to our account at the provider.
    await stack.db
      .insert(sandboxPaymentIntents)
      .values({ id: intentId, orderId: stranger, amount: 1_234, currency: 'XTS', method: 'wallet' });
    const captured = await captureAtProvider(stack, intentId, 1_234);
    const end = await afterNow();

    const settlement = await settle(stack, start, end);
    expect(settlement.discrepancies).toEqual([
      {
        kind: 'missing_in_ledger',
        transactionId: captured.transactionId,
        orderId: stranger,
        expected: null,
        actual: 1_234,
        resolution: 'refunded: it names no order of ours',
      },
    ]);
    expect(settlement.lines).toEqual([
      expect.objectContaining({
        transactionId: captured.transactionId,
        kind: 'capture',
        amount: 1_234,
        fee: cardFee(1_234),
      }),
    ]);
    await refundsPaidBack(start, stranger, 1);
  });
});

describe('settlement requests', () => {
  const run = (payload: Record<string, unknown>, headers = asAdmin) =>
    stack.app.inject({ method: 'POST', url: '/v1/settlements/runs', headers, payload });

  it('refuses periods that are backwards, unfinished or too long, and callers other than admins', async () => {
    const bad = await run({ cycle: 'daily', periodStart: '2026-01-02T00:00:00Z', periodEnd: '2026-01-01T00:00:00Z' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ path: 'periodEnd', message: 'must be after periodStart' }]);
    const future = await run({
      cycle: 'weekly',
      periodStart: now(),
      periodEnd: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.json().errors).toEqual([{ path: 'periodEnd', message: 'the period has not ended yet' }]);
    const long = await run({
      cycle: 'monthly',
      periodStart: '2025-01-01T00:00:00Z',
      periodEnd: '2025-06-01T00:00:00Z',
    });
    expect(long.json().errors).toEqual([{ path: 'periodEnd', message: 'a period is at most 92 days' }]);
    expect((await run({ cycle: 'hourly', periodStart: now(), periodEnd: now() })).statusCode).toBe(400);
    expect(
      (await run({ cycle: 'daily', periodStart: '2025-01-01T00:00:00Z', periodEnd: '2025-01-02T00:00:00Z' }, asSupport))
        .statusCode,
    ).toBe(403);
  });

  it('answers 404 for an unknown settlement and an unknown intent at the sandbox provider', async () => {
    expect(
      (await stack.app.inject({ method: 'GET', url: '/v1/settlements/stl_nope', headers: asSupport })).statusCode,
    ).toBe(404);
    const capture = await stack.app.inject({
      method: 'POST',
      url: '/v1/test-helpers/payments/captures',
      headers: asAdmin,
      payload: { paymentIntentId: 'pi_unknown', amount: 100 },
    });
    expect(capture.statusCode).toBe(404);
    expect(capture.json().errors).toEqual([
      { path: 'paymentIntentId', message: 'the sandbox provider opened no such intent' },
    ]);
    // A cursor the statement never handed out is a 400, never a database error.
    const statement = await stack.app.inject({
      method: 'GET',
      url: '/v1/test-helpers/payments/statement?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&cursor=not-a-cursor',
      headers: asAdmin,
    });
    expect(statement.statusCode).toBe(400);
  });

  it('lists settlements newest period first', async () => {
    const first = await settle(stack, '2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z');
    const second = await settle(stack, '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z');
    expect(first.totals).toEqual({ captured: 0, refunded: 0, chargebacks: 0, fees: 0, net: 0 });
    expect(first.payout).toBeNull();
    expect(first.status).toBe('reconciled');
    const list = await stack.app.inject({
      method: 'GET',
      url: '/v1/settlements?cycle=daily&limit=100',
      headers: asSupport,
    });
    const ids = list.json<{ items: SettlementBody[] }>().items.map((item) => item.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(ids.indexOf(first.id)).toBeGreaterThanOrEqual(0);
  });
});

describe('a large period', () => {
  it('pages through the statement and the ledger and continues as new, with the same result', async () => {
    const order = await orderAwaitingPayment(stack, sku, 1);
    // A day of its own in the past, filled straight into both books: 30 movements both know, one only the ledger has.
    const day = Date.UTC(2024, 0, 1) + Math.floor(Math.random() * 300) * 86_400_000;
    const period: SettlementPeriod = {
      cycle: 'daily',
      periodStart: new Date(day).toISOString(),
      periodEnd: new Date(day + 86_400_000).toISOString(),
      currency: 'XTS',
    };
    const movements = Array.from({ length: 30 }, (_, i) => ({
      id: `txn_gen_${day}_${String(i).padStart(2, '0')}`,
      intentId: `pi_gen_${day}_${i}`,
      amount: 1_000 + i,
      occurredAt: new Date(day + (i + 1) * 60_000),
    }));
    await stack.db.insert(sandboxPaymentTransactions).values(
      movements.map((m) => ({
        ...m,
        orderId: order.id,
        kind: 'capture' as const,
        currency: 'XTS',
        status: 'succeeded' as const,
      })),
    );
    const ledgerOnly = {
      id: `txn_gen_${day}_ledger_only`,
      intentId: `pi_gen_${day}_x`,
      amount: 777,
      occurredAt: new Date(day + 3_600_000),
    };
    await stack.db.insert(payments).values(
      [...movements, ledgerOnly].map((m) => ({
        orderId: order.id,
        intentId: m.intentId,
        transactionId: m.id,
        kind: 'capture' as const,
        amount: m.amount,
        currency: 'XTS',
        occurredAt: m.occurredAt,
      })),
    );

    const id = settlementId(period);
    const handle = await stack.client.workflow.start(settlementWorkflow, {
      workflowId: id,
      taskQueue: stack.taskQueue,
      args: [{ period, requestedBy: 'test', fees: stack.config.settlement.fees, pageSize: 4, pagesPerRun: 3 }],
    });
    const result = await handle.result();
    const captured = movements.reduce((sum, m) => sum + m.amount, 0);
    const fees = movements.reduce((sum, m) => sum + cardFee(m.amount), 0);
    expect(result).toMatchObject({
      id,
      status: 'paid_out',
      totals: { captured, refunded: 0, chargebacks: 0, fees, net: captured - fees },
      payout: { amount: captured - fees },
    });

    // 8 statement pages, 8 matching pages, a ledger page and the resolution, 3 pages a run.
    const runs: string[] = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${id}'` }))
      runs.push(execution.runId);
    expect(runs.length).toBeGreaterThanOrEqual(6);
    const settlement = (
      await stack.app.inject({ method: 'GET', url: `/v1/settlements/${id}`, headers: asSupport })
    ).json<SettlementBody>();
    expect(settlement.lineCount).toBe(30);
    expect(settlement.lines.map((line) => line.transactionId)).toEqual(movements.map((m) => m.id));
    expect(settlement.discrepancies).toEqual([
      {
        kind: 'missing_at_provider',
        transactionId: ledgerOnly.id,
        orderId: order.id,
        expected: 777,
        actual: null,
        resolution: 'not settled; the order flagged',
      },
    ]);
  });
});
