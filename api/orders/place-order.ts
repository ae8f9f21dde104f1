import { createHash } from 'node:crypto';
import { and, count, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { ulid } from 'ulid';
import type { Config } from '../../config/env.js';
import type { Database } from '../../db/client.js';
import { customers, orderLines, orders, products } from '../../db/schema.js';
import { seesAllOrders, type Caller } from '../../domain/caller.js';
import { OPEN_UNPAID_STATUSES } from '../../domain/order-limits.js';
import type { PlaceOrder } from '../../domain/order-schema.js';
import { catalogLines, checkCatalogLines } from '../../domain/catalog-lines.js';
import { priceOrder, type PricingRules } from '../../domain/pricing.js';
import { assessRisk } from '../../domain/risk.js';
import { placementHistory } from './placement-risk.js';
import type { OrderWorkflowInput } from '../../workflows/messages.js';
import { startOwedWorkflow } from './order-workflow-start.js';
import { fieldPath, Problem, type FieldIssue } from '../problems.js';
import { isUniqueViolation } from '../../db/errors.js';
import { claimIdempotencyKey } from '../idempotency.js';

/** What placement needs. */
export interface PlacementDeps {
  db: Database;
  temporal: Client;
  config: Config;
  pricingRules: PricingRules;
}

/** The order, whether this call created it (false: an idempotent repeat) and whether its workflow runs yet. */
export interface PlacementResult {
  orderId: string;
  created: boolean;
  started: boolean;
}

const unprocessable = (errors: FieldIssue[]) =>
  new Problem(
    422,
    'unprocessable-order',
    'The order cannot be accepted',
    errors.map((e) => `${e.path} ${e.message}`).join('; '),
    errors,
  );

/** Validates against the catalog, prices on the server, records the order as the caller's with its workflow input, then starts the workflow. */
export async function placeOrder(
  deps: PlacementDeps,
  request: PlaceOrder,
  idempotencyKey: string | undefined,
  caller: Caller,
): Promise<PlacementResult> {
  const { db } = deps;
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  if (idempotencyKey) await claimIdempotencyKey(db, caller, idempotencyKey, 'place_order', request);
  const repeat = await findRepeat(db, request, idempotencyKey, requestHash, caller);
  // A repeat also makes up for a first call whose workflow start failed.
  if (repeat) return { ...repeat, started: await tryToStart(deps, repeat.orderId) };

  const skus = [...new Set(request.lines.map((line) => line.sku))];
  const catalog = new Map((await db.select().from(products).where(inArray(products.sku, skus))).map((p) => [p.sku, p]));
  const issues: FieldIssue[] = checkCatalogLines(request.lines, catalog, request.type, deps.config.currency).map(
    (problem) => ({ path: fieldPath(problem.path), message: problem.message }),
  );
  if (issues.length) throw unprocessable(issues);

  const { customer, member } = await resolveCustomer(db, request.customer);
  // Member benefits only for a customer the caller identified by id: an e-mail alone is a guest.
  const guestRedeeming = !member && (request.pointsToRedeem ?? 0) > 0;
  const pricing = priceOrder(
    {
      lines: request.lines.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        unitPrice: catalog.get(line.sku)!.priceMinor,
        category: catalog.get(line.sku)!.category,
      })),
      orderType: request.type,
      memberLevel: member ? customer.memberLevel : 'standard',
      pointsBalance: member ? customer.points : 0,
      pointsToRedeem: guestRedeeming ? 0 : (request.pointsToRedeem ?? 0),
      couponCode: request.couponCode,
    },
    deps.pricingRules,
  );
  const pricingIssues = [
    ...(pricing.ok ? [] : pricing.issues.map((issue) => ({ path: fieldPath(issue.path), message: issue.message }))),
    ...(guestRedeeming
      ? [
          {
            path: 'pointsToRedeem',
            message: 'needs customer.id: only a member the calling service identifies can redeem points',
          },
        ]
      : []),
  ];
  if (!pricing.ok || pricingIssues.length) throw unprocessable(pricingIssues);
  const breakdown = pricing.breakdown;

  const lines = catalogLines(request.lines, catalog);
  const orderId = `ord_${ulid()}`;
  let input: OrderWorkflowInput;
  try {
    input = await db.transaction(async (tx) => {
      await capOpenUnpaidOrders(tx, customer.id, deps.config.limits.openUnpaidOrdersPerCustomer);
      const history = await placementHistory(tx, customer.id, request.shippingAddress, deps.config.risk);
      const review = assessRisk({ type: request.type, total: breakdown.total, lines, ...history });
      const recorded: OrderWorkflowInput = {
        orderId,
        placedAt: new Date().toISOString(),
        type: request.type,
        channel: request.channel,
        customerId: customer.id,
        paymentMethod: request.paymentMethod,
        lines,
        pricing: breakdown,
        review,
        requestedDeliveryBy: request.requestedDeliveryBy,
        policy: deps.config.policy,
      };
      if (breakdown.pointsRedeemed > 0) {
        const debited = await tx
          .update(customers)
          .set({ points: sql`${customers.points} - ${breakdown.pointsRedeemed}` })
          .where(and(eq(customers.id, customer.id), gte(customers.points, breakdown.pointsRedeemed)))
          .returning({ id: customers.id });
        if (debited.length === 0)
          throw unprocessable([{ path: 'pointsToRedeem', message: 'exceeds the points balance' }]);
      }
      await tx.insert(orders).values({
        id: orderId,
        status: 'received',
        type: request.type,
        channel: request.channel,
        externalId: request.externalId ?? null,
        customerId: customer.id,
        request,
        pricing: breakdown,
        total: breakdown.total,
        currency: breakdown.currency,
        idempotencyKey: idempotencyKey ?? null,
        requestHash,
        placedBy: caller.name,
        pointsRedeemed: breakdown.pointsRedeemed,
        review,
        workflowInput: recorded as unknown as Record<string, unknown>,
      });
      await tx.insert(orderLines).values(
        request.lines.map((line, index) => ({
          orderId,
          lineNo: index + 1,
          sku: line.sku,
          quantity: line.quantity,
          unitPrice: lines[index]!.unitPrice,
          customization: line.customization ?? null,
        })),
      );
      return recorded;
    });
  } catch (error) {
    // A concurrent request with the same idempotency key or external id won the race: answer as a repeat.
    if (isUniqueViolation(error)) {
      const winner = await findRepeat(db, request, idempotencyKey, requestHash, caller);
      if (winner) return { ...winner, started: await tryToStart(deps, winner.orderId) };
    }
    throw error;
  }
  return { orderId, created: true, started: await tryToStart(deps, orderId, input) };
}

/**
 * Starts the order's workflow now if Temporal answers. The order is recorded whatever happens here and
 * is never taken back: when the start fails, or its answer is lost, a repeated request or the sweep
 * (startOwedWorkflows) starts it later, and a start that did reach Temporal is reused, not doubled.
 */
async function tryToStart(deps: PlacementDeps, orderId: string, justRecorded?: OrderWorkflowInput): Promise<boolean> {
  try {
    await startOwedWorkflow(
      { db: deps.db, temporal: deps.temporal, taskQueue: deps.config.temporal.taskQueue },
      orderId,
      justRecorded,
    );
    return true;
  } catch {
    return false;
  }
}

async function findRepeat(
  db: Database,
  request: PlaceOrder,
  idempotencyKey: string | undefined,
  requestHash: string,
  caller: Caller,
): Promise<PlacementResult | undefined> {
  if (idempotencyKey) {
    // The key was claimed for this very body (claimIdempotencyKey): an order under it is this request's.
    const [byKey] = await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.placedBy, caller.name), eq(orders.idempotencyKey, idempotencyKey)));
    if (byKey) return { orderId: byKey.id, created: false, started: false };
  }
  if (request.externalId) {
    const [byExternal] = await db
      .select({ id: orders.id, requestHash: orders.requestHash, placedBy: orders.placedBy })
      .from(orders)
      .where(and(eq(orders.channel, request.channel), eq(orders.externalId, request.externalId)));
    if (byExternal && byExternal.placedBy !== caller.name && !seesAllOrders(caller)) {
      // Another caller's order: say it exists (the id cannot be used twice) but not which order it is.
      throw new Problem(
        409,
        'external-order-exists',
        'External order already recorded',
        `${request.channel} order ${request.externalId} was recorded by another caller.`,
      );
    }
    if (byExternal) {
      if (byExternal.requestHash !== requestHash) {
        throw new Problem(
          409,
          'external-order-exists',
          'External order already recorded',
          `${request.channel} order ${request.externalId} is already order ${byExternal.id}, with different content.`,
          undefined,
          { orderId: byExternal.id },
        );
      }
      return { orderId: byExternal.id, created: false, started: false };
    }
  }
  return undefined;
}

/**
 * The customer record for the order, and whether the caller identified a member (by id) or only gave an
 * e-mail (a guest for pricing). An asserted id must be the customer with the given e-mail: an unknown id
 * and another customer's id get the same 422, so the answer does not tell which ids exist.
 */
async function resolveCustomer(db: Database, customer: PlaceOrder['customer']) {
  const email = customer.email.toLowerCase();
  if (customer.id) {
    const [known] = await db
      .select()
      .from(customers)
      .where(and(eq(customers.id, customer.id), eq(customers.email, email)));
    if (!known) throw unprocessable([{ path: 'customer.id', message: 'does not name a customer with this e-mail' }]);
    return { customer: known, member: true };
  }
  await db
    .insert(customers)
    .values({ id: `cus_${ulid()}`, name: customer.name, email, phone: customer.phone })
    .onConflictDoNothing({ target: customers.email });
  const [found] = await db.select().from(customers).where(eq(customers.email, email));
  return { customer: found!, member: false };
}

/** Refuses a new order while the customer already has `cap` orders open and unpaid; the customer row lock makes concurrent placements count one another. */
async function capOpenUnpaidOrders(
  tx: Parameters<Parameters<Database['transaction']>[0]>[0],
  customerId: string,
  cap: number,
): Promise<void> {
  await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).for('update');
  const [open] = await tx
    .select({ count: count() })
    .from(orders)
    .where(and(eq(orders.customerId, customerId), inArray(orders.status, [...OPEN_UNPAID_STATUSES])));
  if ((open?.count ?? 0) >= cap) {
    throw new Problem(
      422,
      'too-many-open-orders',
      'Too many unpaid orders',
      `The customer already has ${cap} open orders awaiting payment; pay or cancel one first.`,
      [{ path: 'customer', message: `has ${cap} open unpaid orders, the most allowed` }],
    );
  }
}
