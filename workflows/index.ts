/** The workflow bundle's entry: every workflow the worker runs. */
export { orderWorkflow } from './order.js';
