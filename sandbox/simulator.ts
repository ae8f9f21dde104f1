import { randomUUID } from 'node:crypto';
import { createSandboxCarrier } from './carrier.js';
import { createSandboxFactory } from './factory.js';
import { createSandboxPaymentProvider } from './payment-provider.js';

/** One simulated customer journey. */
export interface Scenario {
  name: string;
  body: Record<string, unknown>;
  /** Fail the first payment attempt, then pay. */
  failFirstPayment?: boolean;
  /** Never pay: the order must be cancelled at the payment deadline. */
  neverPay?: boolean;
  /** The carrier reports an exception in transit before delivering. */
  carrierException?: boolean;
  /** Support's correction when the order is held for its contact details. */
  correction?: Record<string, unknown>;
  /** The first final inspection of a made-to-order job fails, so the job is reworked before it passes. */
  failFirstInspection?: boolean;
  /** Support's edit (`PATCH /v1/orders/:id` body) while the order waits for payment; the customer then pays the new total. */
  edit?: Record<string, unknown>;
}

/** Where the simulator sends its requests, as which parties. */
export interface SimulatorOptions {
  apiUrl: string;
  serviceKey: string;
  supportKey: string;
  /** With an admin key, payments go through the sandbox provider's test mode, so its statement has them for settlement. */
  adminKey?: string;
  webhookSecret: string;
  /** Upper bound on the whole run; the simulator stops by itself. */
  timeoutMs: number;
  log: (line: string) => void;
  /** Pause between simulated actions, so people can watch in Temporal UI. */
  pauseMs?: number;
}

type Order = {
  id: string;
  status: string;
  pricing: { total: number; currency: string };
  payment: { intentId: string | null };
  shipment: { carrier: string; trackingNumber: string } | null;
  production: { promisedDate: string; jobs: Array<{ id: string; sku: string; status: string }> } | null;
};

const TERMINAL = new Set(['completed', 'cancelled', 'returned', 'failed']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plays the shop front, payment provider, carrier, support and customer against a running API. */
export async function runSimulation(scenarios: Scenario[], options: SimulatorOptions): Promise<Record<string, string>> {
  const payments = createSandboxPaymentProvider({
    secret: options.webhookSecret,
    webhookUrl: `${options.apiUrl}/v1/webhooks/payments`,
  });
  const carrier = createSandboxCarrier({
    secret: options.webhookSecret,
    webhookUrl: `${options.apiUrl}/v1/webhooks/carriers`,
  });
  const deadline = Date.now() + options.timeoutMs;
  const pause = () => sleep((options.pauseMs ?? 1_500) * (0.5 + Math.random()));

  async function api<T>(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${options.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function until(orderId: string, wanted: (order: Order) => boolean): Promise<Order> {
    for (;;) {
      const { body: order } = await api<Order>('GET', `/v1/orders/${orderId}`, options.serviceKey);
      if (wanted(order)) return order;
      if (Date.now() > deadline)
        throw new Error(`order ${orderId} still ${order.status} when the demo ran out of time`);
      await sleep(500);
    }
  }

  async function journey(scenario: Scenario): Promise<string> {
    const say = (line: string) => options.log(`${scenario.name.padEnd(24)} ${line}`);
    const placed = await api<Order & { detail?: string }>('POST', '/v1/orders', options.serviceKey, scenario.body, {
      'idempotency-key': `demo-${randomUUID()}`,
    });
    if (placed.status !== 201)
      throw new Error(`placing ${scenario.name}: ${placed.status} ${JSON.stringify(placed.body)}`);
    const orderId = placed.body.id;
    say(`placed ${orderId}, total ${(placed.body.pricing.total / 100).toFixed(2)} ${placed.body.pricing.currency}`);

    let order = await until(orderId, (o) => o.status !== 'received' && o.status !== 'reserving');
    if (order.status === 'on_hold' && scenario.correction) {
      await pause();
      const corrected = await api('POST', `/v1/orders/${orderId}/info-correction`, options.supportKey, {
        requestedBy: 'demo-support',
        ...scenario.correction,
      });
      say(`on hold for its address; support calls the customer and corrects it (${corrected.status})`);
      order = await until(orderId, (o) => !['received', 'reserving', 'on_hold'].includes(o.status));
    }
    if (order.status !== 'awaiting_payment') return order.status;
    if (scenario.neverPay) {
      say('customer walks away without paying; waiting for the payment deadline');
      return (await until(orderId, (o) => TERMINAL.has(o.status))).status;
    }
    await pause();
    if (scenario.edit) {
      const edited = await api<{ previousTotal: number; total: number }>(
        'PATCH',
        `/v1/orders/${orderId}`,
        options.supportKey,
        { requestedBy: 'demo-support', ...scenario.edit },
      );
      say(
        `customer calls to change the order; support edits it (${edited.status}), total ${(edited.body.previousTotal / 100).toFixed(2)} → ${(edited.body.total / 100).toFixed(2)}`,
      );
      order = (await api<Order>('GET', `/v1/orders/${orderId}`, options.serviceKey)).body;
      await pause();
    }
    if (scenario.failFirstPayment) {
      await payments.deliver(orderId, order.pricing.currency, {
        type: 'payment.failed',
        amount: order.pricing.total,
        failureReason: 'insufficient_funds',
      });
      say('first payment declined; customer retries');
      await pause();
    }
    if (options.adminKey && order.payment.intentId) {
      const captured = await api('POST', '/v1/test-helpers/payments/captures', options.adminKey, {
        paymentIntentId: order.payment.intentId,
        amount: order.pricing.total,
      });
      if (captured.status !== 201)
        throw new Error(`paying ${orderId}: ${captured.status} ${JSON.stringify(captured.body)}`);
    } else
      await payments.deliver(orderId, order.pricing.currency, {
        type: 'payment.succeeded',
        amount: order.pricing.total,
      });
    say('paid');

    order = await until(
      orderId,
      (o) => ['awaiting_confirmation', 'ready_to_ship'].includes(o.status) || TERMINAL.has(o.status),
    );
    if (order.status === 'awaiting_confirmation') {
      await pause();
      const confirmed = await api('POST', `/v1/orders/${orderId}/confirm`, options.supportKey, {
        confirmedBy: 'demo-support',
        note: 'checked with the customer',
      });
      say(`support confirms after review (${confirmed.status})`);
      order = await until(
        orderId,
        (o) => ['in_production', 'ready_to_ship'].includes(o.status) || TERMINAL.has(o.status),
      );
    }
    if (order.status === 'in_production' && order.production) {
      say(`in production, promised for ${order.production.promisedDate}`);
      const factory = createSandboxFactory(
        (method, path, body) => api(method, path, options.serviceKey, body),
        say,
        pause,
      );
      await factory.make(order.production.jobs, { failFirst: scenario.failFirstInspection });
      order = await until(orderId, (o) => o.status === 'ready_to_ship' || TERMINAL.has(o.status));
    }
    if (order.status !== 'ready_to_ship' || !order.shipment) return order.status;
    say(`booked ${order.shipment.carrier} ${order.shipment.trackingNumber}`);

    const track = async (
      type: 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception',
      extra = {},
    ) => {
      await pause();
      await carrier.deliver(order.shipment!.carrier, order.shipment!.trackingNumber, type, extra);
      say(`carrier: ${type}`);
    };
    await track('picked_up', { location: 'warehouse dock' });
    await track('in_transit', { location: 'sorting centre' });
    if (scenario.carrierException) await track('exception', { detail: 'address label damaged, relabelled' });
    await track('out_for_delivery', { location: 'local depot' });
    await track('delivered', { location: 'front door' });

    await until(orderId, (o) => o.status === 'delivered' || TERMINAL.has(o.status));
    await pause();
    const rating = () => 3 + Math.floor(Math.random() * 3);
    await api('POST', `/v1/orders/${orderId}/feedback`, options.serviceKey, {
      ratings: { product: rating(), delivery: rating(), service: rating() },
      comment: 'demo feedback',
    });
    say('customer answers the survey; return and survey windows now run out');
    return (await until(orderId, (o) => TERMINAL.has(o.status))).status;
  }

  const outcomes: Record<string, string> = {};
  await Promise.all(
    scenarios.map(async (scenario, index) => {
      await sleep(index * 700);
      try {
        outcomes[scenario.name] = await journey(scenario);
      } catch (error) {
        outcomes[scenario.name] = `error: ${(error as Error).message}`;
      }
      options.log(`${scenario.name.padEnd(24)} → ${outcomes[scenario.name]}`);
    }),
  );
  return outcomes;
}
