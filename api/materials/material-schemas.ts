import { z } from 'zod';

/** Body of `POST /v1/materials/receipts`: a lot of material delivered by a supplier, with its incoming measurements. */
export const MaterialReceiptSchema = z.strictObject({
  id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits and _ . : -, 1 to 200')
    .describe("The receipt's id: a repeat answers with the stored result"),
  supplierId: z.string().trim().min(1).max(64),
  material: z.string().trim().min(1).max(64).describe('The material id'),
  quantity: z.number().int().min(1).max(1_000_000).describe("In the material's unit"),
  measurements: z
    .record(z.string().trim().min(1).max(64), z.number())
    .refine((values) => Object.keys(values).length <= 100, 'must have at most 100 properties')
    .describe("Measured value per property of the material's incoming standard"),
});

/** A material receipt as received. */
export type MaterialReceipt = z.infer<typeof MaterialReceiptSchema>;

/** The incoming inspection's result for a lot. */
export const MaterialReceiptResultSchema = z.object({
  id: z.string(),
  passed: z.boolean().describe('false: the lot is rejected and never reaches stock'),
  failures: z
    .array(z.object({ name: z.string(), value: z.number().nullable(), min: z.number(), max: z.number() }))
    .describe('Each property outside its range; value null when it was not measured'),
  onTime: z
    .boolean()
    .nullable()
    .describe('Whether it came by the due date of the purchase order it closed; null when it closed none'),
  purchaseOrderId: z.number().int().nullable().describe('The open purchase order this lot closed (oldest first)'),
});

/** A receipt's result as clients see it. */
export type MaterialReceiptResult = z.infer<typeof MaterialReceiptResultSchema>;

/** One supplier in `GET /v1/suppliers`. */
export const SupplierSchema = z.object({
  id: z.string(),
  name: z.string(),
  leadTimeDays: z.number().int(),
  score: z
    .number()
    .int()
    .describe(
      '0–100: 100 × (0.7 × share of lots accepted + 0.3 × share of matched purchase orders on time); acceptance alone until a purchase order was matched; 100 with no lots',
    ),
  lotsReceived: z.number().int(),
  lotsRejected: z.number().int(),
  onTimeRate: z.number().nullable().describe('0–1; null when no lot closed a purchase order'),
});

/** `GET /v1/suppliers`: every supplier, by id. */
export const SupplierListSchema = z.object({ items: z.array(SupplierSchema), nextCursor: z.null() });

/** A supplier as clients see it. */
export type SupplierItem = z.infer<typeof SupplierSchema>;

/** One material in `GET /v1/materials`. */
export const MaterialItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  unit: z.string(),
  supplierId: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int().describe('held for planned jobs; may exceed onHand while a purchase order is on its way'),
  onOrder: z.number().int().describe('quantity of open purchase orders'),
});

/** `GET /v1/materials`: every material, by id. */
export const MaterialListSchema = z.object({ items: z.array(MaterialItemSchema), nextCursor: z.null() });

/** A material as clients see it. */
export type MaterialItem = z.infer<typeof MaterialItemSchema>;
