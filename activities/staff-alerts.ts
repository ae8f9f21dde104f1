import type { StaffAlert } from '../ports/staff-notifier.js';
import type { ActivityDeps } from './deps.js';

/** Telling the shop's staff that an order needs a person. */
export function createStaffAlertActivities({ staffNotifier }: Pick<ActivityDeps, 'staffNotifier'>) {
  return {
    /** Alerts staff once per dedupe key (the workflow passes order id, flag and step). */
    async alertStaff(alert: StaffAlert): Promise<{ sent: boolean }> {
      return staffNotifier.send(alert);
    },
  };
}
