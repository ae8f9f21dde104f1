import type { Scenario } from './simulator.js';

const address = (recipient: string, city: string) => ({
  recipient,
  phone: '+49 30 5550100',
  country: 'DE',
  region: city,
  city,
  line1: 'Demo Street 1',
  postalCode: '10115',
});
// A member's benefits need the id the shop knows them by; an e-mail alone is a guest.
const customer = (name: string, email: string, id?: string) => ({
  ...(id ? { id } : {}),
  name,
  email,
  phone: '+49 30 5550100',
});

/** A mix of orders that together pass through every stage the system has. */
export function demoScenarios(runTag: string): Scenario[] {
  const body = (over: Record<string, unknown>) => ({ type: 'regular', paymentMethod: 'credit_card', ...over });
  return [
    {
      name: 'web regular',
      body: body({
        channel: 'web',
        customer: customer('Ada Lovelace', 'ada@example.com', 'cus_ada'),
        shippingAddress: address('Ada Lovelace', 'Berlin'),
        lines: [
          { sku: 'TEA-001', quantity: 2 },
          { sku: 'ACC-001', quantity: 1 },
        ],
        couponCode: 'WELCOME10',
      }),
      edit: {
        reason: 'customer wants one more tin',
        lines: [
          { sku: 'TEA-001', quantity: 3 },
          { sku: 'ACC-001', quantity: 1 },
        ],
      },
    },
    {
      name: 'app urgent',
      body: body({
        channel: 'app',
        type: 'urgent',
        customer: customer('Grace Hopper', 'grace@example.com', 'cus_grace'),
        shippingAddress: address('Grace Hopper', 'Hamburg'),
        lines: [{ sku: 'COF-001', quantity: 1 }],
        paymentMethod: 'wallet',
      }),
    },
    {
      name: 'mini program',
      body: body({
        channel: 'mini_program',
        customer: customer('Mei Chen', 'mei@example.com', 'cus_mei'),
        shippingAddress: address('Mei Chen', 'Munich'),
        lines: [{ sku: 'TEA-005', quantity: 2 }],
        // Fewer points than the order earns back at completion, so the demo can run again on the same data.
        pointsToRedeem: 40,
      }),
      failFirstPayment: true,
    },
    {
      name: 'phone agent',
      body: body({
        channel: 'phone',
        customer: customer('Alan Turing', 'alan@example.com', 'cus_alan'),
        shippingAddress: address('Alan Turing', 'Cologne'),
        lines: [
          { sku: 'ACC-002', quantity: 1 },
          { sku: 'ACC-006', quantity: 3 },
        ],
        paymentMethod: 'debit_card',
      }),
      carrierException: true,
    },
    {
      name: 'marketplace',
      body: body({
        channel: 'marketplace',
        externalId: `MKT-${runTag}-1`,
        customer: customer('Linus Pauling', 'linus@example.com', 'cus_linus'),
        shippingAddress: address('Linus Pauling', 'Leipzig'),
        lines: [{ sku: 'COF-004', quantity: 2 }],
      }),
    },
    {
      name: 'e-mail bulk (review)',
      body: body({
        channel: 'email',
        customer: customer('Office Buyer', `office-${runTag}@example.com`),
        shippingAddress: address('Office Buyer', 'Dresden'),
        lines: [{ sku: 'COF-002', quantity: 24 }],
      }),
    },
    {
      name: 'phone typo (hold)',
      body: body({
        channel: 'phone',
        customer: customer('Typo Customer', `typo-${runTag}@example.com`),
        shippingAddress: { ...address('Typo Customer', 'Potsdam'), postalCode: '1446' },
        lines: [{ sku: 'TEA-003', quantity: 2 }],
      }),
      correction: { shippingAddress: address('Typo Customer', 'Potsdam') },
    },
    {
      name: 'custom T-shirts',
      body: body({
        channel: 'web',
        type: 'custom',
        customer: customer('Team Captain', `team-${runTag}@example.com`),
        shippingAddress: address('Team Captain', 'Hamburg'),
        lines: [{ sku: 'APP-003', quantity: 12, customization: { print: 'Team logo, front' } }],
      }),
      failFirstInspection: true,
    },
    {
      name: 'abandoned cart',
      body: body({
        channel: 'web',
        customer: customer('Window Shopper', `shopper-${runTag}@example.com`),
        shippingAddress: address('Window Shopper', 'Bonn'),
        lines: [{ sku: 'TEA-002', quantity: 1 }],
      }),
      neverPay: true,
    },
  ];
}
