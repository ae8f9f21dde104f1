import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { materialArrived } from '../../activities/material-arrival.js';
import type { Database } from '../../db/client.js';
import { tellReplanned } from '../production/tell-replanned.js';
import type { Auth } from '../auth.js';
import { ProblemSchema } from '../problems.js';
import { listMaterials } from './list-materials.js';
import { listSuppliers } from './list-suppliers.js';
import {
  MaterialListSchema,
  MaterialReceiptResultSchema,
  MaterialReceiptSchema,
  SupplierListSchema,
} from './material-schemas.js';
import { receiveMaterial } from './receive-material.js';

/** Material receipts with their incoming inspection, and the supplier and material lists. */
export const materialRoutes: FastifyPluginAsyncZod<{ db: Database; temporal: Client; auth: Auth }> = async (
  app,
  { db, temporal, auth },
) => {
  app.post(
    '/v1/materials/receipts',
    {
      onRequest: auth.require('service', 'inventory'),
      schema: {
        tags: ['materials'],
        summary: 'Receive a lot of material; the incoming inspection decides whether it reaches stock',
        description:
          "Every property of the material's standard must be measured and within its range. A passed lot is added to stock and closes the oldest open purchase order of that supplier and material (on time when received by its due date); a rejected lot never reaches stock and leaves purchase orders open. A repeated id answers 200 with the stored result.",
        body: MaterialReceiptSchema,
        response: {
          200: MaterialReceiptResultSchema,
          201: MaterialReceiptResultSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { result, created } = await receiveMaterial(db, request.body);
      if (created && result.purchaseOrderId !== null) await pullJobsForward(result.purchaseOrderId, request.log);
      return reply.status(created ? 201 : 200).send(result);
    },
  );

  /** Material that came before its due date lets the job that ordered it start sooner: replan and tell the orders moved. */
  async function pullJobsForward(purchaseOrderId: number, log: { warn: (detail: object, message: string) => void }) {
    try {
      const replanned = await materialArrived(db, purchaseOrderId, new Date().toISOString());
      const { unreachable } = await tellReplanned(db, temporal, replanned);
      if (unreachable.length > 0) log.warn({ unreachable }, 'orders moved by a material arrival could not be told');
    } catch (error) {
      // The lot is in stock either way; its job keeps the purchase order's due date until the next replan.
      log.warn({ err: error, purchaseOrderId }, 'replanning after a material arrival failed');
    }
  }

  app.get(
    '/v1/suppliers',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['materials'],
        summary: 'Suppliers with their lots received and rejected, punctuality and score',
        response: { 200: SupplierListSchema },
      },
    },
    async () => ({ items: await listSuppliers(db), nextCursor: null }),
  );

  app.get(
    '/v1/materials',
    {
      onRequest: auth.require('support'),
      schema: {
        tags: ['materials'],
        summary: 'Materials with stock on hand, reserved for jobs and on order',
        response: { 200: MaterialListSchema },
      },
    },
    async () => ({ items: await listMaterials(db), nextCursor: null }),
  );
};
