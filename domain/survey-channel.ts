import type { Channel } from './order-schema.js';

/** The ways a message can reach a customer. */
export const NOTIFICATION_CHANNELS = ['email', 'sms', 'phone', 'online'] as const;
/** A way a message can reach a customer. */
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Where a survey can reach the customer: the contact details an order carries. */
export interface SurveyContact {
  customerId: string;
  email: string;
  phone: string;
}

/** The channel an order's survey goes out on: the one the customer ordered through where it can answer a survey, e-mail otherwise. */
export function surveyChannelFor(orderChannel: Channel): NotificationChannel {
  switch (orderChannel) {
    case 'app':
    case 'mini_program':
      return 'online';
    case 'phone':
      return 'phone';
    default:
      return 'email';
  }
}

/** Who a message on `channel` is addressed to: the customer's account online, their number by phone or SMS, else their e-mail. */
export function recipientOn(channel: NotificationChannel, contact: SurveyContact): string {
  if (channel === 'online') return contact.customerId;
  if (channel === 'phone' || channel === 'sms') return contact.phone;
  return contact.email;
}
