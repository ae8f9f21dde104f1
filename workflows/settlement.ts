import { continueAsNew, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LedgerCursor } from '../activities/settlement-matching.js';
import type { FeeTable, SettlementPeriod, SettlementStatus, SettlementTotals } from '../domain/settlement.js';
import { settlementActivities as activities } from './settlement-activities.js';
import { FlaggedKey } from './search-attributes.js';

/** Where a settlement run is, carried across continue-as-new. */
export type SettlementProgress =
  | { phase: 'import'; after: string | null }
  | { phase: 'statement'; after: string }
  | { phase: 'ledger'; after: LedgerCursor | null }
  | { phase: 'resolve' }
  | { phase: 'close' };

/** What a settlement run is asked to do. */
export interface SettlementInput {
  period: SettlementPeriod;
  /** `schedule`, or the admin's key name. */
  requestedBy: string;
  /** The fee table in force when the run began: a run in progress does not change prices half-way. */
  fees: FeeTable;
  /** Rows per page (default 1000). */
  pageSize?: number;
  /** Pages one run handles before it continues as new, keeping its history small (default 100). */
  pagesPerRun?: number;
  /** Set by continue-as-new: where the previous run stopped, and what it had found. */
  progress?: SettlementProgress;
  discrepancies?: number;
}

/** How a settlement ended. */
export interface SettlementResult {
  id: string;
  status: SettlementStatus;
  totals: SettlementTotals | null;
  discrepancies: number;
  payout: { id: string; amount: number } | null;
}

/**
 * Settles one period with the payment provider: imports its statement, matches every line against
 * the ledger and the ledger back against it, resolves what differs (recovering money the ledger
 * missed, flagging the rest), adds up the totals with fees and requests the payout. Each step works
 * in pages and writes what it finds to Postgres, so the run continues as new every `pagesPerRun`
 * pages and months of transactions keep its history small. A period already counted returns as is.
 */
export async function settlementWorkflow(input: SettlementInput): Promise<SettlementResult> {
  const { period, fees } = input;
  const limit = input.pageSize ?? 1_000;
  const pagesPerRun = input.pagesPerRun ?? 100;
  const opened = await activities.openSettlement({ ...period, requestedBy: input.requestedBy });
  const settlementId = opened.id;
  if (opened.status !== 'running')
    return {
      id: settlementId,
      status: opened.status,
      totals: null,
      discrepancies: input.discrepancies ?? 0,
      payout: null,
    };

  let progress: SettlementProgress = input.progress ?? { phase: 'import', after: null };
  let discrepancies = input.discrepancies ?? 0;
  let pages = 0;
  const goOnAsNew = () => continueAsNew<typeof settlementWorkflow>({ ...input, progress, discrepancies });
  const pageDone = () => {
    pages += 1;
    return pages >= pagesPerRun || workflowInfo().continueAsNewSuggested;
  };

  while (progress.phase !== 'close') {
    setCurrentDetails(`settling ${period.cycle} ${period.periodStart} – ${period.periodEnd}: ${progress.phase}`);
    if (progress.phase === 'import') {
      const page = await activities.importStatementPage({ settlementId, period, after: progress.after, limit });
      progress = page.next ? { phase: 'import', after: page.next } : { phase: 'statement', after: '' };
    } else if (progress.phase === 'statement') {
      const page = await activities.matchStatementPage({
        settlementId,
        afterTransactionId: progress.after,
        limit,
        fees,
      });
      if (page.last) progress = { phase: 'statement', after: page.last };
      else {
        await activities.findDuplicateCaptures({ settlementId });
        progress = { phase: 'ledger', after: null };
      }
    } else if (progress.phase === 'ledger') {
      const page = await activities.matchLedgerPage({ settlementId, period, after: progress.after, limit });
      progress = page.after ? { phase: 'ledger', after: page.after } : { phase: 'resolve' };
    } else {
      const { resolved } = await activities.resolveDiscrepancies({ settlementId, limit: 100 });
      discrepancies += resolved;
      if (resolved > 0) upsertSearchAttributes([{ key: FlaggedKey, value: true }]);
      if (resolved === 0) progress = { phase: 'close' };
    }
    if (progress.phase !== 'close' && pageDone()) return goOnAsNew();
  }

  const totals = await activities.closeSettlement({ settlementId });
  const payout = await activities.payOutSettlement({ settlementId });
  setCurrentDetails(`settled: net ${totals.net} ${period.currency}, ${discrepancies} discrepancies`);
  return {
    id: settlementId,
    status: payout.payoutId ? 'paid_out' : 'reconciled',
    totals,
    discrepancies,
    payout: payout.payoutId ? { id: payout.payoutId, amount: payout.amount } : null,
  };
}
