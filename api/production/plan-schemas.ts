import { z } from 'zod';
import { MAX_DAILY_CAPACITY_MINUTES } from '../../domain/production-schedule.js';
import { PRODUCTION_JOB_STATUSES } from '../../domain/production.js';

const Instant = z.iso.datetime();
const Id = z.string().trim().min(1, 'must not be empty').max(100);
const DailyCapacity = z
  .number()
  .int()
  .min(1)
  .max(MAX_DAILY_CAPACITY_MINUTES)
  .describe('Working minutes per day, from 08:00 UTC, every day of the week');

/** A job as the plan shows it. */
export const PlanJobSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  urgent: z.boolean(),
  status: z.enum(PRODUCTION_JOB_STATUSES),
  sequence: z.number().int().describe('Place among planned jobs of the same urgency; lower goes first'),
  minutes: z.number().int().describe('Working minutes of the whole job'),
  materialReadyAt: Instant.describe('When its material is there; it does not start before'),
  plannedStart: Instant,
  plannedEnd: Instant,
  progress: z.number().int().min(0).max(100),
});

/** A work centre with its open jobs in plan order. */
export const WorkCentrePlanSchema = z.object({
  id: z.string(),
  name: z.string(),
  dailyCapacity: z.number().int(),
  jobs: z.array(PlanJobSchema).describe('Open jobs in plan order: under way, then urgent, then regular'),
});

/** An order whose promised date moved, with old and new date and its jobs' new times. */
export const ReplannedOrderSchema = z.object({
  orderId: z.string(),
  previousPromisedDate: z.iso.date(),
  promisedDate: z.iso.date(),
  jobs: z.array(z.object({ id: z.string(), plannedStart: Instant, plannedEnd: Instant })),
});

/** Query of `GET /v1/production/plan`. */
export const PlanQuerySchema = z.strictObject({
  workCentre: Id.optional().describe('Only this work centre'),
});

/** `GET /v1/production/plan`. */
export const ProductionPlanSchema = z.object({ workCentres: z.array(WorkCentrePlanSchema) });

/** One work centre in `GET /v1/production/work-centres`. */
export const WorkCentreSchema = z.object({
  id: z.string(),
  name: z.string(),
  dailyCapacity: z.number().int(),
  openJobs: z.number().int().describe('Jobs planned, in progress, in rework or being inspected'),
});

/** Path of `PATCH /v1/production/work-centres/:id`. */
export const WorkCentreParamsSchema = z.strictObject({ id: Id });

/** Body of `PATCH /v1/production/work-centres/:id`. */
export const CapacityChangeSchema = z.strictObject({ dailyCapacity: DailyCapacity });

/** Answer of `PATCH /v1/production/work-centres/:id`. */
export const CapacityChangedSchema = z.object({
  id: z.string(),
  name: z.string(),
  dailyCapacity: z.number().int(),
  replanned: z.array(ReplannedOrderSchema),
});

/** Body of `POST /v1/production/plan/resequence`. */
export const ResequenceSchema = z.strictObject({
  workCentre: Id,
  jobIds: z
    .array(Id)
    .min(1)
    .max(500)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a job twice')
    .describe('Planned jobs of the work centre, in the order they should go first'),
});

/** Answer of `POST /v1/production/plan/resequence`: the work centre's plan and whose promised date moved. */
export const ResequencedSchema = WorkCentrePlanSchema.extend({ replanned: z.array(ReplannedOrderSchema) });
