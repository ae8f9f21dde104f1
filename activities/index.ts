import type { ActivityDeps } from './deps.js';
import { createInventoryActivities } from './inventory.js';
import { createOrderActivities } from './orders.js';
import { createPaymentActivities } from './payments.js';

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createInventoryActivities(deps),
    ...createPaymentActivities(deps),
  };
}

/** The activity interface workflows proxy. */
export type OrderActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps.js';
