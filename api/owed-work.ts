import type { Client } from '@temporalio/client';
import { deliverProductionNotices } from '../activities/production-notices.js';
import type { Database } from '../db/client.js';
import type { StaffNotifier } from '../ports/staff-notifier.js';
import { startOwedWorkflows } from './orders/order-workflow-start.js';
import { deliverOwedShopFloorEvents } from './production/owed-deliveries.js';
import { alertOverdueWaits } from './staff-alerts/overdue-wait-alerts.js';
import { deliverOwedWebhooks } from './webhooks/deliveries.js';

/**
 * Every `intervalMs` until stopped, does what the API owes but could not do at the time: starts the
 * workflows of recorded orders whose start failed or was never confirmed, and delivers recorded
 * webhook events, device events (factory events, inspections, warehouse scans) and production
 * notices (new dates after a plan change) that never reached their order. A crash or an outage between recording and acting so never leaves an order `received`
 * for good or a payment or a device event unseen. It also alerts staff of orders that have waited on a
 * person longer than `staffAlerts.waitAfterMs`. Safe in every API process at once.
 */
export function sweepOwedWork(
  deps: {
    db: Database;
    temporal: Client;
    taskQueue: string;
    staffAlerts: { notifier: StaffNotifier; waitAfterMs: number };
    log?: (message: string) => void;
  },
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = async () => {
    const workflows = await startOwedWorkflows(deps, intervalMs);
    const webhooks = await deliverOwedWebhooks(deps, intervalMs);
    const devices = await deliverOwedShopFloorEvents(deps, intervalMs);
    const notices = await deliverProductionNotices(deps.db, deps.temporal, { olderThanMs: intervalMs, limit: 100 });
    const waits = await alertOverdueWaits(
      { db: deps.db, staffNotifier: deps.staffAlerts.notifier },
      deps.staffAlerts.waitAfterMs,
    );
    const done =
      workflows.started.length +
      webhooks.delivered.length +
      devices.delivered.length +
      notices.delivered.length +
      waits.sent.length;
    const owed = workflows.failed.length + webhooks.failed.length + devices.failed.length + notices.owed.length;
    if (done || owed)
      deps.log?.(
        `owed work: ${workflows.started.length} order workflows started, ${webhooks.delivered.length} webhook events, ${devices.delivered.length} device events and ${notices.delivered.length} production notices delivered, ${waits.sent.length} overdue waits alerted, ${owed} still owed`,
      );
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch(() => {});
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
