import {
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  defineSearchAttributeKey,
} from '@temporalio/common';
import { ParentClosePolicy, executeChild, workflowInfo } from '@temporalio/workflow';
import { periodBefore, settlementId, type FeeTable, type SettlementCycle } from '../domain/settlement.js';
import { settlementWorkflow, type SettlementResult } from './settlement.js';

/** When Temporal's Schedule meant to fire this run (set by the Schedule on each workflow it starts). */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** What a cycle's Temporal Schedule starts: which cycle, in which currency, at which prices. */
export interface ScheduledSettlementInput {
  cycle: SettlementCycle;
  currency: string;
  fees: FeeTable;
}

/**
 * A cycle's Schedule fires this: it settles the whole cycle that ended before the scheduled time
 * (yesterday, last week, last month) as a child with the period's own id, so a period an admin
 * already ran, or a Schedule's catch-up, is never settled twice.
 */
export async function scheduledSettlementWorkflow(
  input: ScheduledSettlementInput,
): Promise<SettlementResult | { id: string; alreadySettled: true }> {
  const info = workflowInfo();
  const firedAt = info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
  const period = { cycle: input.cycle, currency: input.currency, ...periodBefore(input.cycle, firedAt) };
  const id = settlementId(period);
  try {
    return await executeChild(settlementWorkflow, {
      workflowId: id,
      args: [{ period, requestedBy: 'schedule', fees: input.fees }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { id, alreadySettled: true };
    throw error;
  }
}
