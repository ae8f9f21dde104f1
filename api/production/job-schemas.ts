import { z } from 'zod';
import { PRODUCTION_EVENT_TYPES } from '../../domain/production.js';

const EventId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits and _ . : -, 1 to 200');
const Instant = z.iso.datetime({ offset: true });

/** Path parameters of `/v1/production-jobs/:id/…`. */
export const JobParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a production job id')
    .describe('The production job'),
});

/** Body of `POST /v1/production-jobs/:id/events`: what a shop-floor terminal saw happen to the job. */
export const ProductionEventSchema = z
  .strictObject({
    id: EventId.describe("The terminal's event id: a repeat is the same event"),
    type: z.enum(PRODUCTION_EVENT_TYPES),
    progress: z
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .describe('Percent done; required with `progress`, only there'),
    occurredAt: Instant,
  })
  .superRefine((event, ctx) => {
    if (event.type === 'progress' && event.progress === undefined)
      ctx.addIssue({ code: 'custom', path: ['progress'], message: 'is required with type progress' });
    if (event.type !== 'progress' && event.progress !== undefined)
      ctx.addIssue({ code: 'custom', path: ['progress'], message: 'is only allowed with type progress' });
  });

/** A shop-floor event as received. */
export type ProductionEventBody = z.infer<typeof ProductionEventSchema>;

/** The `202` of a production event. */
export const ProductionEventAcceptedSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  duplicate: z.boolean().describe('true: this event id was recorded before; nothing changed'),
});

/** Body of `POST /v1/production-jobs/:id/inspections`: what an inspector measured. */
export const InspectionSchema = z.strictObject({
  id: EventId.describe("The inspection's id: a repeat answers with the stored verdict"),
  stage: z.enum(['in_process', 'final']),
  inspector: z.string().trim().min(1, 'must not be empty').max(200),
  measurements: z
    .record(z.string().trim().min(1).max(64), z.number())
    .refine((values) => Object.keys(values).length <= 100, 'must have at most 100 properties')
    .describe("Measured value per property of the product's quality standard"),
});

/** An inspection as received. */
export type InspectionBody = z.infer<typeof InspectionSchema>;

/** The server's verdict on an inspection. */
export const InspectionVerdictSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  stage: z.enum(['in_process', 'final']),
  passed: z.boolean(),
  failures: z
    .array(z.object({ name: z.string(), value: z.number().nullable(), min: z.number(), max: z.number() }))
    .describe('Each property outside its range; value null when it was not measured'),
});
