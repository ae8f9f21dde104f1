import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { Auth } from '../auth.js';
import { Problem, ProblemSchema } from '../problems.js';
import { CatalogItemSchema, CatalogSchema, InventorySchema } from './catalog-schemas.js';
import { listProducts } from './list-products.js';
import { readInventory } from './read-inventory.js';

const Sku = z.string().regex(/^[A-Z0-9-]{2,40}$/, 'must be an upper-case SKU such as TEA-001');

/** The catalog with sellable stock (one product or all), and real-time inventory per SKU. */
export const catalogRoutes: FastifyPluginAsyncZod<{ db: Database; auth: Auth }> = async (app, { db, auth }) => {
  app.get(
    '/v1/products',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['catalog'],
        summary: 'List the active catalog with available stock',
        querystring: z.strictObject({ category: z.string().trim().min(1, 'must not be empty').max(64).optional() }),
        response: { 200: CatalogSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => ({ items: await listProducts(db, request.query) }),
  );

  app.get(
    '/v1/products/:sku',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['catalog'],
        summary: 'One active product with its available stock and, made to order, its quality standard',
        params: z.object({ sku: Sku }),
        response: {
          200: CatalogItemSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const [product] = await listProducts(db, { sku: request.params.sku });
      if (!product)
        throw new Problem(404, 'product-not-found', 'Product not found', `There is no product ${request.params.sku}.`);
      return product;
    },
  );

  app.get(
    '/v1/inventory/:sku',
    {
      onRequest: auth.require('service', 'support'),
      schema: {
        tags: ['catalog'],
        summary: "A SKU's real-time stock by warehouse and lot",
        description:
          'Lots oldest first (the order stock is reserved in). Stock in a warehouse that may not ship the category is shown but never available.',
        params: z.object({ sku: Sku }),
        response: {
          200: InventorySchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const inventory = await readInventory(db, request.params.sku);
      if (!inventory)
        throw new Problem(404, 'product-not-found', 'Product not found', `There is no product ${request.params.sku}.`);
      return inventory;
    },
  );
};
