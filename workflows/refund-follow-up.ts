import { activities } from './order-activities.js';

/** How many refunds one activity call follows up: each may be a call to the provider, all within one activity timeout. */
const PAGE = 20;

/** What refundFollowUpWorkflow is started with (by the Temporal Schedule every `REFUND_FOLLOW_UP_EVERY`). */
export interface RefundFollowUp {
  /** How long the provider has to confirm a refund after each ask. */
  confirmWithinMs: number;
  /** How many times an unconfirmed refund is asked for again before a person gets it. */
  maxFollowUps: number;
}

/** One round over the refunds the provider has not confirmed in time: each is asked for again or, out of asks, flagged. */
export async function refundFollowUpWorkflow(input: RefundFollowUp): Promise<{ askedAgain: number; flagged: number }> {
  const totals = { askedAgain: 0, flagged: 0 };
  for (;;) {
    const page = await activities.followUpRefunds({ ...input, limit: PAGE });
    totals.askedAgain += page.askedAgain;
    totals.flagged += page.flagged;
    // A short page means nothing more is due (a followed-up refund is not due again this round).
    if (page.askedAgain + page.flagged < PAGE) return totals;
  }
}
