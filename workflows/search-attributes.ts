import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
];
