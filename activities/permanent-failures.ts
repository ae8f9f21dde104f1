import { ApplicationFailure } from '@temporalio/common';
import { isPermanentDataError } from '../db/errors.js';
import { FailureType } from '../domain/failure-types.js';

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * Wraps each activity so a data or constraint error from Postgres fails it at once, non-retryable,
 * instead of retrying forever. The message keeps the SQLSTATE and the driver's message only: the
 * statement's parameters (customer data) never reach the workflow history or the logs.
 */
export function failFastOnDataErrors<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        if (!isPermanentDataError(error)) throw error;
        const { code, message } =
          (error as { code?: string; message?: string; cause?: { code?: string; message?: string } }).cause ??
          (error as { code?: string; message?: string });
        throw ApplicationFailure.create({
          type: FailureType.PermanentDataError,
          message: `${name}: Postgres refused the data (${code}): ${message}`,
          nonRetryable: true,
        });
      }
    };
  }
  return wrapped as T;
}
