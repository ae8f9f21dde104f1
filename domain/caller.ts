/** The roles an API key can have. */
export const ROLES = ['service', 'support', 'admin', 'inventory'] as const;
/** Who a caller is to the API. */
export type Role = (typeof ROLES)[number];

/** Who calls the API: the name of their key (owner of the orders they place, actor of record) and its role. */
export interface Caller {
  name: string;
  role: Role;
}

/** Whether the caller sees every order (support, admin) or only the ones its key placed (service). */
export function seesAllOrders(caller: Caller): boolean {
  return caller.role === 'support' || caller.role === 'admin';
}
