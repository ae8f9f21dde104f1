/** The task queue order workflows and activities run on, unless TEMPORAL_TASK_QUEUE overrides it. */
export const ORDER_TASK_QUEUE = 'orders';
