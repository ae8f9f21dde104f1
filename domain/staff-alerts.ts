/** Why staff are told about an order: a flag asks for a person, a wait on a person ran long, or a low rating opened a follow-up. */
export const STAFF_ALERT_KINDS = ['order_flagged', 'wait_overdue', 'follow_up_opened'] as const;

/** One of {@link STAFF_ALERT_KINDS}. */
export type StaffAlertKind = (typeof STAFF_ALERT_KINDS)[number];

/** The statuses in which an order waits on a person: staying in one too long alerts staff. */
export const STATUSES_WAITING_ON_STAFF = ['awaiting_confirmation', 'awaiting_shortage_decision', 'on_hold'] as const;
