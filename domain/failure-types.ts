import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/**
 * The failure types workflows and activities raise on purpose, and the API maps to answers. The
 * strings are part of recorded histories and of clients' error handling: they never change.
 */
export const FailureType = {
  /** The request itself is wrong (a missing actor, an invalid address): the API answers 422. */
  InvalidRequest: 'InvalidRequest',
  /** The request is fine but the order's stage refuses it now: the API answers 409. */
  NotAllowed: 'NotAllowed',
  /** No carrier can take the parcel: the order fails instead of retrying. */
  NoCarrier: 'NoCarrier',
  /** An activity was asked about an order that is not in Postgres. */
  OrderNotFound: 'OrderNotFound',
  /** Postgres refused an activity's data: retrying cannot help, so the order ends instead of waiting. */
  PermanentDataError: 'PermanentDataError',
} as const;

/** One of the failure types raised on purpose. */
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** A refusal because the request is wrong, whatever the order's stage. */
export function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.InvalidRequest);
}

/** A refusal because the order's stage does not allow the request now. */
export function notAllowed(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.NotAllowed);
}

/** The failure of type `type` behind an activity's failure, or null when it failed another way. */
export function activityFailedWith(error: unknown, type: FailureType): ApplicationFailure | null {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === type) {
    return error.cause;
  }
  return null;
}
