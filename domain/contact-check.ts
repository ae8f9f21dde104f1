import type { PlaceOrder } from './order-schema.js';

/** What support may correct while an order is held for its contact details. */
export interface InfoCorrection {
  shippingAddress?: PlaceOrder['shippingAddress'];
  customerPhone?: string;
  customerName?: string;
}

/** Postal code formats of the countries we ship to most; others are checked for shape only. */
const POSTAL_CODES: Readonly<Record<string, RegExp>> = {
  DE: /^\d{5}$/,
  FR: /^\d{5}$/,
  IT: /^\d{5}$/,
  ES: /^\d{5}$/,
  AT: /^\d{4}$/,
  CH: /^\d{4}$/,
  NL: /^\d{4} ?[A-Z]{2}$/i,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i,
  US: /^\d{5}(-\d{4})?$/,
  CN: /^\d{6}$/,
};

const PLACEHOLDER = /^(x+|test|asdf|n\/?a|none|unknown|-+|\.+)$/i;

/** One reason the order cannot ship to the customer as given. */
export interface ContactProblem {
  path: string;
  message: string;
}

/** Checks that a shipping address is deliverable: the postal code fits the country, its phone has a plausible length, nothing is a placeholder. */
export function checkAddress(address: PlaceOrder['shippingAddress']): ContactProblem[] {
  const problems: ContactProblem[] = [];
  const pattern = POSTAL_CODES[address.country];
  if (pattern && !pattern.test(address.postalCode.trim()))
    problems.push({ path: 'shippingAddress.postalCode', message: `is not a valid ${address.country} postal code` });
  for (const [path, value] of [
    ['shippingAddress.line1', address.line1],
    ['shippingAddress.city', address.city],
    ['shippingAddress.recipient', address.recipient],
  ] as const) {
    if (PLACEHOLDER.test(value.trim())) problems.push({ path, message: 'looks like a placeholder' });
  }
  return [...problems, ...checkPhone('shippingAddress.phone', address.phone)];
}

/**
 * Checks that the address and contact details are deliverable, beyond their shape: the postal code
 * fits the country, phone numbers have a plausible number of digits, nothing is a placeholder.
 */
export function checkContactInfo(order: Pick<PlaceOrder, 'customer' | 'shippingAddress'>): ContactProblem[] {
  const address = checkAddress(order.shippingAddress);
  // Customer phone first, as callers have always seen it.
  const phone = address.filter((p) => p.path === 'shippingAddress.phone');
  return [
    ...address.filter((p) => p.path !== 'shippingAddress.phone'),
    ...checkPhone('customer.phone', order.customer.phone),
    ...phone,
  ];
}

function checkPhone(path: string, phone: string): ContactProblem[] {
  const digits = phone.replace(/\D/g, '').length;
  return digits < 7 || digits > 15 ? [{ path, message: 'must have 7 to 15 digits' }] : [];
}
