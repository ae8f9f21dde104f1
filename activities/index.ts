import type { ActivityDeps } from './deps.js';
import { createInventoryActivities } from './inventory.js';
import { createInvoicingActivities } from './invoicing.js';
import { createNotificationActivities } from './notifications.js';
import { createOrderEditActivities } from './order-edits.js';
import { createOrderActivities } from './orders.js';
import { createPaymentActivities } from './payments.js';
import { createProductionJobActivities } from './production-jobs.js';
import { createProductionPlanningActivities } from './production-planning.js';
import { createProductionRevisionActivities } from './production-revision.js';
import { createRefundFollowUpActivities } from './refund-follow-up.js';
import { createSettlementActivities } from './settlement.js';
import { createSettlementMatchingActivities } from './settlement-matching.js';
import { createSettlementRecoveryActivities } from './settlement-recovery.js';
import { createShippingActivities } from './shipping.js';
import { createStaffAlertActivities } from './staff-alerts.js';
import { failFastOnDataErrors } from './permanent-failures.js';
import { createSurveyActivities } from './surveys.js';

/** Every activity the worker registers, built from its dependencies; data errors fail them for good (see failFastOnDataErrors). */
export function createActivities(deps: ActivityDeps) {
  return failFastOnDataErrors({
    ...createOrderActivities(deps),
    ...createOrderEditActivities(deps),
    ...createInventoryActivities(deps),
    ...createPaymentActivities(deps),
    ...createRefundFollowUpActivities(deps),
    ...createShippingActivities(deps),
    ...createInvoicingActivities(deps),
    ...createNotificationActivities(deps),
    ...createStaffAlertActivities(deps),
    ...createSurveyActivities(deps),
    ...createProductionJobActivities(deps),
    ...createProductionPlanningActivities(deps),
    ...createProductionRevisionActivities(deps),
  });
}

/** Settling periods with the payment provider: the settlement workflow's activities. */
export function createSettlementActivityGroup(deps: ActivityDeps) {
  return failFastOnDataErrors({
    ...createSettlementActivities(deps),
    ...createSettlementMatchingActivities(deps),
    ...createSettlementRecoveryActivities(deps),
  });
}

/** The activity interface order workflows proxy. */
export type OrderActivities = ReturnType<typeof createActivities>;
/** The activity interface the settlement workflow proxies. */
export type SettlementActivities = ReturnType<typeof createSettlementActivityGroup>;
export type { ActivityDeps } from './deps.js';
