import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';

/** The bundle entry: every workflow the worker runs. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Lets the workflow bundler resolve the `.js` specifiers that ESM TypeScript source uses for `.ts` files. */
export const workflowBundlerOptions: Pick<BundleOptions, 'webpackConfigHook'> = {
  webpackConfigHook: (config) => ({
    ...config,
    resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
  }),
};
