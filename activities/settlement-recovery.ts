import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, asc, eq, isNull, like } from 'drizzle-orm';
import { orders, payments as ledger, settlementDiscrepancies, settlementStatementEntries } from '../db/schema.js';
import type { DiscrepancyKind } from '../domain/settlement.js';
import { paymentEventSignal, type PaymentEvent } from '../workflows/messages.js';
import { latePaymentWorkflowId, orderWorkflowId } from '../workflows/search-attributes.js';
import type { ActivityDeps } from './deps.js';
import { raiseOrderFlag } from './order-flags.js';
import { createOrderActivities } from './orders.js';

type Discrepancy = typeof settlementDiscrepancies.$inferSelect;
type Entry = typeof settlementStatementEntries.$inferSelect;

/** Resolving what reconciliation found: money recovered into the ledger and the orders, the rest flagged for a person. */
export function createSettlementRecoveryActivities(deps: Pick<ActivityDeps, 'db' | 'payments' | 'temporal'>) {
  const { db, payments } = deps;
  const { flagEndedOrder } = createOrderActivities(deps);
  const temporal = (): Pick<Client, 'workflow'> => deps.temporal ?? Context.current().client;

  const flag = (discrepancy: Discrepancy, name: string, reason: string) =>
    raiseOrderFlag(temporal(), flagEndedOrder, {
      orderId: discrepancy.orderId!,
      flag: name,
      reason,
      detail: {
        transactionId: discrepancy.transactionId,
        settlementId: discrepancy.settlementId,
        expected: discrepancy.expected,
        actual: discrepancy.actual,
      },
    });

  /** A movement the provider booked and we never heard of: into the ledger, and to the order as the webhook would have told it. */
  async function recover(entry: Entry): Promise<string> {
    const [order] = entry.orderId
      ? await db.select({ id: orders.id }).from(orders).where(eq(orders.id, entry.orderId))
      : [];
    if (!order) {
      if (entry.kind !== 'capture') return 'left for a person: it names no order of ours';
      await payments.refund({
        intentId: entry.intentId,
        amount: entry.amount,
        currency: entry.currency,
        idempotencyKey: `settlement:refund:${entry.transactionId}`,
      });
      return 'refunded: it names no order of ours';
    }
    const eventId = `settlement:${entry.transactionId}`;
    await db
      .insert(ledger)
      .values({
        orderId: order.id,
        eventId,
        intentId: entry.intentId,
        transactionId: entry.transactionId,
        kind: entry.kind,
        amount: entry.amount,
        currency: entry.currency,
        failureReason: entry.kind === 'refund' ? 'refunded at the provider' : null,
        occurredAt: entry.occurredAt,
      })
      .onConflictDoNothing();
    if (entry.kind === 'refund') return 'recorded in the ledger';
    const event: PaymentEvent = {
      eventId,
      type: entry.kind === 'capture' ? 'payment.succeeded' : 'chargeback.created',
      paymentIntentId: entry.intentId,
      transactionId: entry.transactionId,
      amount: entry.amount,
      currency: entry.currency,
      occurredAt: entry.occurredAt.toISOString(),
    };
    try {
      await temporal().workflow.getHandle(orderWorkflowId(order.id)).signal(paymentEventSignal, event);
      return 'recovered: recorded in the ledger and signalled to the order';
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // The order has ended: the money is not kept, a dispute still reaches a person.
    // Started by name: the workflow module imports the activity types, so importing it here would close a circle.
    await temporal().workflow.start('latePaymentWorkflow', {
      workflowId: latePaymentWorkflowId(eventId),
      taskQueue: Context.current().info.taskQueue,
      args: [{ orderId: order.id, event }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return entry.kind === 'capture'
      ? 'recovered: recorded in the ledger and refunded (the order had ended)'
      : 'recovered: recorded in the ledger and the ended order flagged';
  }

  const resolvers: Record<DiscrepancyKind, (discrepancy: Discrepancy) => Promise<string>> = {
    async missing_in_ledger(discrepancy) {
      const [entry] = await db
        .select()
        .from(settlementStatementEntries)
        .where(
          and(
            eq(settlementStatementEntries.settlementId, discrepancy.settlementId),
            eq(settlementStatementEntries.transactionId, discrepancy.transactionId),
          ),
        );
      return recover(entry!);
    },
    async amount_mismatch(discrepancy) {
      if (!discrepancy.orderId) return 'settled at the provider’s amount';
      await flag(
        discrepancy,
        'settlement_amount_mismatch',
        `the provider booked ${discrepancy.actual}, the ledger ${discrepancy.expected}`,
      );
      return 'settled at the provider’s amount; the order flagged';
    },
    async missing_at_provider(discrepancy) {
      await flag(
        discrepancy,
        'settlement_missing_at_provider',
        `the provider has not booked ${discrepancy.expected} the ledger holds`,
      );
      return 'not settled; the order flagged';
    },
    async duplicate_capture(discrepancy) {
      const [refund] = await db
        .select({ id: ledger.id })
        .from(ledger)
        .where(and(eq(ledger.kind, 'refund'), like(ledger.failureReason, `%${discrepancy.transactionId}`)));
      if (refund) return 'refunded to the customer';
      if (!discrepancy.orderId) return 'left for a person: it names no order of ours';
      await flag(
        discrepancy,
        'settlement_duplicate_capture',
        `a second capture of ${discrepancy.actual} on one payment`,
      );
      return 'not refunded yet; the order flagged';
    },
    async chargeback() {
      return 'disputed amount withheld; the order flagged';
    },
  };

  return {
    /** Resolves one page of the settlement's open discrepancies (each once); answers how many it resolved. */
    async resolveDiscrepancies(input: { settlementId: string; limit: number }): Promise<{ resolved: number }> {
      const open = await db
        .select()
        .from(settlementDiscrepancies)
        .where(
          and(eq(settlementDiscrepancies.settlementId, input.settlementId), isNull(settlementDiscrepancies.resolution)),
        )
        .orderBy(asc(settlementDiscrepancies.kind), asc(settlementDiscrepancies.transactionId))
        .limit(input.limit);
      for (const discrepancy of open) {
        const resolution = await resolvers[discrepancy.kind](discrepancy);
        await db
          .update(settlementDiscrepancies)
          .set({ resolution, resolvedAt: new Date() })
          .where(
            and(
              eq(settlementDiscrepancies.settlementId, discrepancy.settlementId),
              eq(settlementDiscrepancies.kind, discrepancy.kind),
              eq(settlementDiscrepancies.transactionId, discrepancy.transactionId),
            ),
          );
      }
      return { resolved: open.length };
    },
  };
}
