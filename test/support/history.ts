import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { payloadDataConverter } from '../../temporal/connection.js';
import { orderWorkflowId } from '../../workflows/search-attributes.js';
import type { TestStack } from './stack.js';

const { EventType } = temporal.api.enums.v1;
/** The history events operators read as steps: activities scheduled and timers started. */
const STEPS = new Set([EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_TIMER_STARTED]);

/** Each activity and timer of an order's history, in order, with the summary Temporal UI shows for it (null when none). */
export async function historySteps(
  stack: TestStack,
  orderId: string,
): Promise<Array<{ step: string; summary: string | null }>> {
  const history = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  const [codec] = payloadDataConverter(stack.config.temporal).payloadCodecs;
  const steps = [];
  for (const event of history.events ?? []) {
    if (!STEPS.has(event.eventType!)) continue;
    const step = event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'timer';
    const encoded = event.userMetadata?.summary;
    const summary = encoded ? defaultPayloadConverter.fromPayload<string>((await codec!.decode([encoded]))[0]!) : null;
    steps.push({ step, summary });
  }
  return steps;
}
