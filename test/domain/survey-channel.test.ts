import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../domain/order-schema.js';
import { recipientOn, surveyChannelFor } from '../../domain/survey-channel.js';

describe('surveyChannelFor', () => {
  it('follows the order channel where the customer can answer there, and e-mails otherwise', () => {
    expect(Object.fromEntries(CHANNELS.map((channel) => [channel, surveyChannelFor(channel)]))).toEqual({
      web: 'email',
      app: 'online',
      mini_program: 'online',
      phone: 'phone',
      email: 'email',
      marketplace: 'email',
    });
  });
});

describe('recipientOn', () => {
  const contact = { customerId: 'cus_1', email: 'ada@example.com', phone: '+49 30 1' };

  it('addresses the account online, the number by phone or SMS, the mailbox by e-mail', () => {
    expect(recipientOn('online', contact)).toBe('cus_1');
    expect(recipientOn('phone', contact)).toBe('+49 30 1');
    expect(recipientOn('sms', contact)).toBe('+49 30 1');
    expect(recipientOn('email', contact)).toBe('ada@example.com');
  });
});
