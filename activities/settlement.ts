import { and, eq, sql } from 'drizzle-orm';
import { settlementLines, settlements } from '../db/schema.js';
import {
  settlementId,
  type SettlementPeriod,
  type SettlementStatus,
  type SettlementTotals,
} from '../domain/settlement.js';
import type { ActivityDeps } from './deps.js';

/** Opening, counting up and paying out a settlement. */
export function createSettlementActivities({ db, payments }: Pick<ActivityDeps, 'db' | 'payments'>) {
  return {
    /** Opens the period's settlement once; answers its id and status (a settlement already counted is not counted again). */
    async openSettlement(
      input: SettlementPeriod & { requestedBy: string },
    ): Promise<{ id: string; status: SettlementStatus }> {
      const id = settlementId(input);
      await db
        .insert(settlements)
        .values({
          id,
          cycle: input.cycle,
          periodStart: new Date(input.periodStart),
          periodEnd: new Date(input.periodEnd),
          currency: input.currency,
          status: 'running',
          requestedBy: input.requestedBy,
        })
        .onConflictDoNothing();
      const [row] = await db.select({ status: settlements.status }).from(settlements).where(eq(settlements.id, id));
      return { id, status: row!.status };
    },

    /** Adds up the settlement's lines into its totals (net is what the provider owes the merchant) and marks it reconciled. */
    async closeSettlement(input: { settlementId: string }): Promise<SettlementTotals> {
      const [sums] = await db
        .select({
          captured: sql<number>`coalesce(sum(${settlementLines.amount}) filter (where ${settlementLines.kind} = 'capture'), 0)::bigint`,
          refunded: sql<number>`coalesce(sum(${settlementLines.amount}) filter (where ${settlementLines.kind} = 'refund'), 0)::bigint`,
          chargebacks: sql<number>`coalesce(sum(${settlementLines.amount}) filter (where ${settlementLines.kind} = 'chargeback'), 0)::bigint`,
          fees: sql<number>`coalesce(sum(${settlementLines.fee}), 0)::bigint`,
        })
        .from(settlementLines)
        .where(eq(settlementLines.settlementId, input.settlementId));
      const captured = Number(sums!.captured);
      const refunded = Number(sums!.refunded);
      const chargebacks = Number(sums!.chargebacks);
      const fees = Number(sums!.fees);
      const totals = { captured, refunded, chargebacks, fees, net: captured - refunded - chargebacks - fees };
      await db
        .update(settlements)
        .set({ totals, status: 'reconciled', reconciledAt: new Date() })
        .where(and(eq(settlements.id, input.settlementId), eq(settlements.status, 'running')));
      return totals;
    },

    /** Asks the provider to pay the net amount out, once per settlement; nothing is paid when the period nets nothing or less. */
    async payOutSettlement(input: { settlementId: string }): Promise<{ payoutId: string | null; amount: number }> {
      const [settlement] = await db.select().from(settlements).where(eq(settlements.id, input.settlementId));
      const net = settlement?.totals?.net ?? 0;
      if (!settlement || net <= 0) return { payoutId: null, amount: 0 };
      const payout = await payments.requestPayout({
        reference: settlement.id,
        amount: net,
        currency: settlement.currency,
      });
      await db
        .update(settlements)
        .set({
          payoutId: payout.payoutId,
          payoutAmount: net,
          payoutStatus: payout.status,
          status: 'paid_out',
          paidOutAt: new Date(),
        })
        .where(eq(settlements.id, settlement.id));
      return { payoutId: payout.payoutId, amount: net };
    },
  };
}
