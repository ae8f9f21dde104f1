import type { StaffAlertKind } from '../domain/staff-alerts.js';

/** A message to the shop's staff about one order. */
export interface StaffAlert {
  /** Same key, same alert: a retried or repeated send is not sent twice. */
  dedupeKey: string;
  kind: StaffAlertKind;
  orderId: string;
  subject: string;
  detail: Record<string, unknown>;
}

/** The staff channel (chat, pager, e-mail to a team). A real provider is one more implementation. */
export interface StaffNotifier {
  /** Sends an alert once per dedupe key; returns whether this call sent it. */
  send(alert: StaffAlert): Promise<{ sent: boolean }>;
}
