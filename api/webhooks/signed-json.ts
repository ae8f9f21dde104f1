import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { webhookEvents } from '../../db/schema.js';
import { isValidWebhookSignature } from '../../ports/webhook-signature.js';
import { Problem } from '../problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks. */
    rawBody?: string;
  }
}

/** The `202` every webhook answers with. */
export const WebhookAcceptedSchema = z.object({
  received: z.literal(true),
  duplicate: z.boolean(),
  outcome: z.string(),
});

/** What a webhook route answers once the event is recorded. */
export type WebhookAccepted = z.infer<typeof WebhookAcceptedSchema>;

/** Parses JSON bodies in this plugin's scope and keeps the raw text beside them, for the signature check. */
export function acceptSignedJson(app: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  // Signatures cover the exact bytes sent, so the raw body must survive parsing.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new Problem(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.'), undefined);
    }
  });
}

/** A preValidation hook that refuses (401) a body not signed with `secret`; `whose` names the secret in the problem. */
export function requireSignature(secret: string, whose: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!isValidWebhookSignature(request.rawBody ?? '', request.headers['x-signature'] as string | undefined, secret)) {
      throw new Problem(
        401,
        'bad-signature',
        'Bad signature',
        `X-Signature must be sha256=<hex HMAC-SHA256 of the raw body> with the ${whose} secret.`,
      );
    }
  };
}

/** One received webhook event, keyed by its sender and the sender's event id. */
export interface WebhookEventRecord {
  source: string;
  eventId: string;
  orderId: string | null;
  payload: unknown;
}

/** The outcome an event gets when it names no order we know: recorded for settlement, delivered nowhere. */
export const UNKNOWN_ORDER = 'unknown_order';

/** Records, once, an event that names no known order; a repeat answers as a duplicate. */
export async function recordUnmatched(db: Database, event: WebhookEventRecord): Promise<WebhookAccepted> {
  const inserted = await db
    .insert(webhookEvents)
    .values({ ...event, orderId: null, deliveredAt: new Date(), outcome: UNKNOWN_ORDER })
    .onConflictDoNothing()
    .returning({ eventId: webhookEvents.eventId });
  return { received: true, duplicate: inserted.length === 0, outcome: UNKNOWN_ORDER };
}

/**
 * Records the event once, then delivers it (signals the order) unless an earlier copy was delivered.
 * When the order's workflow has ended, `whenEnded` decides what happens and names the outcome;
 * without it the outcome is `order_closed` and the event stays recorded for reconciliation.
 */
export async function recordThenDeliver(
  db: Database,
  event: WebhookEventRecord,
  deliver: () => Promise<void>,
  whenEnded?: () => Promise<string>,
): Promise<WebhookAccepted> {
  const key = and(eq(webhookEvents.source, event.source), eq(webhookEvents.eventId, event.eventId));
  const inserted = await db
    .insert(webhookEvents)
    .values(event)
    .onConflictDoNothing()
    .returning({ eventId: webhookEvents.eventId });
  const duplicate = inserted.length === 0;
  if (duplicate) {
    const [earlier] = await db.select().from(webhookEvents).where(key);
    // Delivered before: no second effect. Not delivered (we failed mid-way): deliver now.
    if (earlier?.deliveredAt) return { received: true, duplicate, outcome: earlier.outcome ?? 'delivered' };
  }

  let outcome = 'delivered';
  try {
    await deliver();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    outcome = whenEnded ? await whenEnded() : 'order_closed';
  }
  await db
    .update(webhookEvents)
    .set({ deliveredAt: new Date(), outcome })
    .where(and(key, isNull(webhookEvents.deliveredAt)));
  return { received: true, duplicate, outcome };
}
