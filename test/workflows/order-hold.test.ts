import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, orders } from '../../db/schema.js';
import { checkContactInfo } from '../../domain/contact-check.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import { createProduct, orderRequest } from '../support/fixtures.js';
import { asService, asSupport, getOrder, postOrder, waitForStatus } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ POLICY_INFO_HOLD_TIMEOUT: '3s' });
  await stack.startWorker();
});
afterAll(() => stack.close());

const badAddress = (postalCode = '1011') => ({
  recipient: 'Test Customer',
  phone: '+49 30 1234567',
  country: 'DE',
  region: 'Berlin',
  city: 'Berlin',
  line1: 'Unter den Linden 1',
  postalCode,
});
const correct = (orderId: string, body: Record<string, unknown>) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/info-correction`,
    headers: asSupport,
    payload: { requestedBy: 'sam@support', ...body },
  });

describe('checkContactInfo', () => {
  it('checks postal codes per country, placeholders and phone digits', () => {
    const customer = { name: 'A', email: 'a@example.com', phone: '+49 30 1234567' };
    expect(checkContactInfo({ customer, shippingAddress: badAddress('10117') })).toEqual([]);
    expect(
      checkContactInfo({
        customer: { ...customer, phone: '12-34' },
        shippingAddress: { ...badAddress('1011'), line1: 'test' },
      }),
    ).toEqual([
      { path: 'shippingAddress.postalCode', message: 'is not a valid DE postal code' },
      { path: 'shippingAddress.line1', message: 'looks like a placeholder' },
      { path: 'customer.phone', message: 'must have 7 to 15 digits' },
    ]);
    expect(checkContactInfo({ customer, shippingAddress: { ...badAddress('SW1Y 4JH'), country: 'GB' } })).toEqual([]);
  });
});

describe('info holds', () => {
  it('holds an undeliverable order, tells the customer, and goes on once support corrects it', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (
      await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { shippingAddress: badAddress() }))
    ).json().id;
    const held = await waitForStatus(stack.app, orderId, 'on_hold');
    expect(held.hold).toEqual({ reason: 'unverifiable_contact_info' });
    expect(held.allowedActions).toEqual(['correct_info', 'edit', 'cancel']);
    await expect
      .poll(async () =>
        (await stack.db.select().from(notifications).where(eq(notifications.orderId, orderId))).map((n) => n.template),
      )
      .toEqual(['info_needed']);
    const description = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'HoldReason')?.value).toBe(
      'unverifiable_contact_info',
    );

    const stillWrong = await correct(orderId, { shippingAddress: badAddress('999') });
    expect(stillWrong.statusCode).toBe(200);
    expect(stillWrong.json()).toMatchObject({
      status: 'still_on_hold',
      problems: [{ path: 'shippingAddress.postalCode' }],
    });

    const fixed = await correct(orderId, { shippingAddress: badAddress('10117') });
    expect(fixed.json()).toEqual({ orderId, status: 'released', problems: [] });
    const released = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(released.hold).toBeNull();
    expect(released.milestones.map((m) => m.name)).toEqual([
      'order_received',
      'order_on_hold',
      'hold_released',
      'order_verified',
      'stock_reserved',
    ]);
    const [row] = await stack.db.select({ request: orders.request }).from(orders).where(eq(orders.id, orderId));
    expect(row!.request.shippingAddress.postalCode).toBe('10117');
  });

  it('cancels an order nobody corrects in time, and refuses corrections of orders not on hold', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (
      await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { shippingAddress: badAddress() }))
    ).json().id;
    await waitForStatus(stack.app, orderId, 'on_hold');
    const cancelled = await waitForStatus(stack.app, orderId, 'cancelled', 15_000);
    expect(cancelled.milestones.at(-1)!.name).toBe('order_cancelled');

    const fine = (await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }]))).json().id;
    await waitForStatus(stack.app, fine, 'awaiting_payment');
    const refused = await correct(fine, { customerPhone: '+49 30 7654321' });
    expect(refused.statusCode).toBe(409);
    const empty = await correct(fine, {});
    expect(empty.statusCode).toBe(400);
    expect((await getOrder(stack.app, fine)).status).toBe('awaiting_payment');
    expect(
      (
        await stack.app.inject({
          method: 'POST',
          url: `/v1/orders/${fine}/info-correction`,
          headers: asService,
          payload: { requestedBy: 'x', customerPhone: '+49 30 7654321' },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('releases the hold when an edit brings a deliverable address, and keeps who did it on record', async () => {
    const sku = await createProduct(stack.db, { lots: [{ onHand: 5 }] });
    const orderId = (
      await postOrder(stack.app, orderRequest([{ sku, quantity: 1 }], { shippingAddress: badAddress() }))
    ).json().id;
    await waitForStatus(stack.app, orderId, 'on_hold');
    const response = await stack.app.inject({
      method: 'PATCH',
      url: `/v1/orders/${orderId}`,
      headers: asSupport,
      payload: { requestedBy: 'sam@support', shippingAddress: badAddress('10117') },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ changed: ['shipping_address'], settlement: { kind: 'none' } });
    const released = await waitForStatus(stack.app, orderId, 'awaiting_payment');
    expect(released.hold).toBeNull();
    const timeline = (
      await stack.app.inject({ method: 'GET', url: `/v1/orders/${orderId}/timeline`, headers: asSupport })
    ).json();
    expect(timeline.entries.map((e: { name: string }) => e.name)).toEqual([
      'order_received',
      'order_on_hold',
      'order_edited',
      'hold_released',
      'order_verified',
      'stock_reserved',
    ]);
    expect(timeline.requests).toEqual([
      expect.objectContaining({
        action: 'edit',
        actor: 'support',
        requestedBy: 'sam@support',
        status: 'on_hold',
        outcome: 'accepted',
      }),
    ]);
  });
});
