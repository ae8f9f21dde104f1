import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import type { Caller } from '../domain/caller.js';
import { Problem } from './problems.js';

const KEY_RULE = 'must be 8 to 200 letters, digits, _ . : or -';
const KEY = /^[\w.:-]{8,200}$/;

/** The optional `Idempotency-Key` header of every route that changes something; a malformed key is a 400. */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(KEY, KEY_RULE)
    .optional()
    .describe(
      'Same key, action and body: the same answer; the key with another action or body: 422. Scoped to the calling key.',
    ),
});

/** The request's Idempotency-Key, or undefined without one; a malformed key is a 400, never silently ignored. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY.test(key))
    throw new Problem(400, 'validation-error', 'Invalid request', 'The request headers have 1 invalid field.', [
      { path: 'idempotency-key', message: KEY_RULE },
    ]);
  return key;
}

/**
 * Ties the caller's key to one action on one request the first time it is used; later uses must be the
 * same action with the same request, else 422. Keys are per caller: another caller's key of the same
 * text is a different key. Returns whether the key was seen before.
 */
export async function claimIdempotencyKey(
  db: Database,
  caller: Caller,
  key: string,
  action: string,
  request: unknown,
): Promise<'first' | 'repeat'> {
  const requestHash = createHash('sha256').update(JSON.stringify({ action, request })).digest('hex');
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ caller: caller.name, key, action, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length > 0) return 'first';
  const [earlier] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.caller, caller.name), eq(idempotencyKeys.key, key)));
  if (earlier && earlier.requestHash === requestHash) return 'repeat';
  const what = earlier && earlier.action !== action ? `another action (${earlier.action})` : 'a different request';
  throw new Problem(
    422,
    'idempotency-key-reused',
    'Idempotency key reused',
    `The key was first used for ${what}; use a new key for a new request.`,
  );
}
