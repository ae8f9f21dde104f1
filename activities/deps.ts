import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import type { PricingRules } from '../domain/pricing.js';
import type { CarrierGateway } from '../ports/carrier-gateway.js';
import type { Notifier } from '../ports/notifier.js';
import type { PaymentGateway } from '../ports/payment-gateway.js';
import type { StaffNotifier } from '../ports/staff-notifier.js';

/** What activities need from the outside world; tests pass real or sandbox parts. */
export interface ActivityDeps {
  db: Database;
  payments: PaymentGateway;
  carriers: CarrierGateway;
  notifier: Notifier;
  /** Where alerts for the shop's staff go (flags, follow-ups). */
  staffNotifier: StaffNotifier;
  /** The shop's current pricing rules: edits and back-orders are priced with them. */
  pricingRules: PricingRules;
  /** Where production notices go outside an activity (tests); inside one, the worker's own client. */
  temporal?: Pick<Client, 'workflow'> | undefined;
}
