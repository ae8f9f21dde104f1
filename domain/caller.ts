/** The roles an API key can have. */
export const ROLES = ['service', 'support', 'admin', 'inventory'] as const;
/** Who a caller is to the API. */
export type Role = (typeof ROLES)[number];

/** Who calls the API: the name of their key (owner of the orders they place, actor of record) and its role. */
export interface Caller {
  name: string;
  role: Role;
}

/**
 * The customer id a caller may see on an order: support and admin always; a service only when it named
 * the customer by id itself. An order given an e-mail alone shows null to services, so no service
 * learns a member's id from their e-mail address.
 */
export function visibleCustomerId(caller: Caller, customerId: string, namedById: boolean): string | null {
  return seesAllOrders(caller) || namedById ? customerId : null;
}

/** Whether the caller sees every order (support, admin) or only the ones its key placed (service). */
export function seesAllOrders(caller: Caller): boolean {
  return caller.role === 'support' || caller.role === 'admin';
}
