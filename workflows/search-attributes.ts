import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/** Order stage, as in the API's `status`. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
/** regular | custom | urgent. */
export const OrderTypeKey = defineSearchAttributeKey('OrderType', SearchAttributeType.KEYWORD);
/** Intake channel. */
export const OrderChannelKey = defineSearchAttributeKey('OrderChannel', SearchAttributeType.KEYWORD);
/** The customer's id. */
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
/** Order total in minor units. */
export const OrderTotalKey = defineSearchAttributeKey('OrderTotal', SearchAttributeType.INT);
/** 1 for urgent orders, 0 otherwise: sorts urgent work first. */
export const PriorityKey = defineSearchAttributeKey('Priority', SearchAttributeType.INT);
/** Why an order is held, empty when it is not. */
export const HoldReasonKey = defineSearchAttributeKey('HoldReason', SearchAttributeType.KEYWORD);
/** True when an order needs a person's attention. */
export const FlaggedKey = defineSearchAttributeKey('Flagged', SearchAttributeType.BOOL);

/** True once a made-to-order job of the order ran past its planned end. */
export const ProductionLateKey = defineSearchAttributeKey('ProductionLate', SearchAttributeType.BOOL);

/** Every custom search attribute the project registers, with the CLI's type names. */
export const ORDER_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; cliType: string }> = [
  { name: OrderStatusKey.name, cliType: 'Keyword' },
  { name: OrderTypeKey.name, cliType: 'Keyword' },
  { name: OrderChannelKey.name, cliType: 'Keyword' },
  { name: CustomerIdKey.name, cliType: 'Keyword' },
  { name: OrderTotalKey.name, cliType: 'Int' },
  { name: PriorityKey.name, cliType: 'Int' },
  { name: HoldReasonKey.name, cliType: 'Keyword' },
  { name: FlaggedKey.name, cliType: 'Bool' },
  { name: ProductionLateKey.name, cliType: 'Bool' },
];

/** The workflow id of an order: one workflow per order, forever. */
export const orderWorkflowId = (orderId: string) => `order-${orderId}`;

/** The workflow id that handles one provider event for an order that had already ended: one run per event. */
export const latePaymentWorkflowId = (providerEventId: string) => `late-payment-${providerEventId}`;

/** What an order workflow starts with so operators can find it in Temporal UI: search attributes and a one-line summary. */
export function orderStartAttributes(order: {
  orderId: string;
  type: string;
  channel: string;
  customerId: string;
  total: number;
  currency: string;
}): {
  typedSearchAttributes: SearchAttributePair[];
  staticSummary: string;
} {
  return {
    staticSummary: `Order ${order.orderId} · ${order.type} · ${order.customerId} · ${(order.total / 100).toFixed(2)} ${order.currency}`,
    typedSearchAttributes: [
      { key: OrderStatusKey, value: 'received' },
      { key: OrderTypeKey, value: order.type },
      { key: OrderChannelKey, value: order.channel },
      { key: CustomerIdKey, value: order.customerId },
      { key: OrderTotalKey, value: order.total },
      { key: PriorityKey, value: order.type === 'urgent' ? 1 : 0 },
      { key: FlaggedKey, value: false },
    ],
  };
}
