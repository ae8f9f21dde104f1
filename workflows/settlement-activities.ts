import { proxyActivities } from '@temporalio/workflow';
import type { SettlementActivities } from '../activities/index.js';

/** The settlement's activities: pages of up to thousands of rows, so a longer timeout than an order's steps. */
export const settlementActivities = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
