/** A message to a customer. */
export interface Notification {
  orderId: string;
  template:
    | 'order_confirmed'
    | 'invoice'
    | 'shipped'
    | 'delivered'
    | 'survey'
    | 'order_cancelled'
    | 'return_accepted'
    | 'parcel_late'
    | 'info_needed'
    | 'stock_shortage'
    | 'order_edited'
    | 'extra_payment_requested'
    | 'order_split'
    | 'production_planned'
    | 'production_replanned'
    | 'production_late';
  channel: 'email' | 'sms' | 'phone' | 'online';
  recipient: string;
  /** Same key, same message: a retried send is not sent twice. */
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/** The notification channel (e-mail, SMS, …). A real provider is one more implementation. */
export interface Notifier {
  /** Sends a message once per dedupe key; returns whether this call sent it. */
  send(notification: Notification): Promise<{ sent: boolean }>;
}
