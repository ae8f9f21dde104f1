import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { defaultPricingRules } from '../domain/pricing-rules.js';
import { createMethodRegistry } from './allowed-methods.js';
import { inventoryHealthRoutes } from './analytics/inventory-routes.js';
import { outcomeAnalyticsRoutes } from './analytics/outcome-routes.js';
import { satisfactionRoutes } from './analytics/satisfaction-routes.js';
import { stageAnalyticsRoutes } from './analytics/stage-routes.js';
import { createAuth } from './auth.js';
import { catalogRoutes } from './catalog/routes.js';
import { stockReceiptRoutes } from './catalog/stock-receipts.js';
import { followUpRoutes } from './follow-ups/routes.js';
import { staffAlertRoutes } from './staff-alerts/routes.js';
import { invoiceRoutes } from './invoices/routes.js';
import { materialRoutes } from './materials/routes.js';
import { orderActionRoutes } from './orders/action-routes.js';
import { orderChangeRoutes } from './orders/change-routes.js';
import { orderListRoutes } from './orders/list-routes.js';
import { orderRoutes } from './orders/routes.js';
import { productionJobRoutes } from './production/job-routes.js';
import { productionPlanRoutes } from './production/plan-routes.js';
import { requestDeadline } from './deadline.js';
import { refuseHostileText } from './hostile-text.js';
import { safeLoggerOptions } from './log-safety.js';
import { declareStandardProblems, problemMediaType } from './openapi-problems.js';
import { frameworkProblem, registerProblemHandlers } from './problems.js';
import { registerRateLimits } from './rate-limits.js';
import { createEncryptionCodec } from '../temporal/payload-codec.js';
import { codecRoutes } from './system/codec-routes.js';
import { registerMetrics } from './system/metrics.js';
import { systemRoutes } from './system/routes.js';
import { carrierWebhookRoutes } from './webhooks/carrier-webhooks.js';
import { paymentWebhookRoutes } from './webhooks/payment-webhooks.js';
import { warehouseEventRoutes } from './warehouse/warehouse-events.js';
import { sandboxPaymentRoutes } from './test-helpers/sandbox-payments.js';
import { settlementRoutes } from './settlements/routes.js';

/** What the HTTP API is built from. */
export interface AppDeps {
  config: Config;
  db: Database;
  temporal: Client;
  logger?: FastifyServerOptions['logger'];
}

/** Builds the Fastify app: auth, problem+json errors, OpenAPI at /docs, and every route. */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    logger: safeLoggerOptions(deps.logger ?? false),
    bodyLimit: 256 * 1024,
    frameworkErrors: frameworkProblem,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Registered before any route, so every route gets them: the methods per path (for 405), the
  // standard problem answers in the OpenAPI document, and a deadline on the whole request.
  const methods = createMethodRegistry();
  app.addHook('onRoute', methods.record);
  app.addHook('onRoute', declareStandardProblems);
  app.addHook('onRoute', requestDeadline(deps.temporal, deps.config.api.requestTimeoutMs));
  registerProblemHandlers(app, methods.allowedFor);
  app.addHook('preValidation', refuseHostileText);
  // The API speaks JSON only: anything else is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Order orchestrator API',
        version: '0.1.0',
        description:
          'Every order is one durable Temporal workflow. Money is in integer minor units. Errors are `application/problem+json` (RFC 9457); a known path asked with a method it does not have answers 405 with `Allow`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: problemMediaType,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const auth = createAuth(deps.config.apiKeys);
  await registerRateLimits(app, auth, deps.config.limits.requestsPerMinute);
  const pricingRules = defaultPricingRules(deps.config.currency);
  registerMetrics(app, deps.db, auth);
  await app.register(codecRoutes, {
    prefix: '/codec',
    auth,
    codec: createEncryptionCodec(deps.config.temporal.payloadKeys),
    uiOrigins: deps.config.temporal.uiOrigins,
    openToLocalUi: deps.config.usingDevKeys,
  });
  await app.register(systemRoutes, { db: deps.db, temporal: deps.temporal, namespace: deps.config.temporal.namespace });
  await app.register(orderRoutes, { db: deps.db, temporal: deps.temporal, config: deps.config, pricingRules, auth });
  await app.register(orderListRoutes, { db: deps.db, auth });
  await app.register(orderActionRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(orderChangeRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(catalogRoutes, { db: deps.db, auth });
  await app.register(stockReceiptRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(invoiceRoutes, { db: deps.db, auth });
  await app.register(productionJobRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(materialRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(warehouseEventRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(outcomeAnalyticsRoutes, { db: deps.db, auth });
  await app.register(stageAnalyticsRoutes, { db: deps.db, auth });
  await app.register(inventoryHealthRoutes, { db: deps.db, auth });
  await app.register(satisfactionRoutes, { db: deps.db, auth });
  await app.register(followUpRoutes, { db: deps.db, auth });
  await app.register(staffAlertRoutes, { db: deps.db, auth });
  await app.register(productionPlanRoutes, { db: deps.db, temporal: deps.temporal, auth });
  await app.register(paymentWebhookRoutes, {
    db: deps.db,
    temporal: deps.temporal,
    secret: deps.config.paymentWebhookSecret,
    taskQueue: deps.config.temporal.taskQueue,
  });
  await app.register(carrierWebhookRoutes, {
    db: deps.db,
    temporal: deps.temporal,
    secret: deps.config.carrierWebhookSecret,
    taskQueue: deps.config.temporal.taskQueue,
  });
  await app.register(settlementRoutes, { db: deps.db, temporal: deps.temporal, config: deps.config, auth });
  // Only the sandbox payment provider exists so far; a real one would leave these routes out (404).
  await app.register(sandboxPaymentRoutes, {
    db: deps.db,
    auth,
    secret: deps.config.paymentWebhookSecret,
    currency: deps.config.currency,
    refundDelayMs: deps.config.sandbox.refundDelayMs,
    sendEveryMs: deps.config.sandbox.webhookSendEveryMs,
  });
  return app;
}
