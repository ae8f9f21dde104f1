/** The workflow bundle's entry: every workflow the worker runs. */
export { latePaymentWorkflow } from './late-payment.js';
export { orderWorkflow } from './order.js';
export { refundFollowUpWorkflow } from './refund-follow-up.js';
export { scheduledSettlementWorkflow } from './scheduled-settlement.js';
export { settlementWorkflow } from './settlement.js';
