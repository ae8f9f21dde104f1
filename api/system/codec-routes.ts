import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Auth } from '../auth.js';
import { Problem } from '../problems.js';

/** A payload as the remote codec protocol carries it: metadata values and data in base64. */
const JsonPayload = z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() });
const Payloads = z.object({ payloads: z.array(JsonPayload).max(1000) });

const fromJson = (payload: z.infer<typeof JsonPayload>): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(payload.data ?? '', 'base64'),
});
const toJson = (payload: Payload): z.infer<typeof JsonPayload> => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/**
 * The remote codec endpoint (`POST /codec/decode`, `POST /codec/encode`) Temporal UI and the CLI call
 * to show encrypted payloads to an operator. Support or admin keys only; with the dev keys (never in
 * production) the local UI may call it without one, since it sends no key of its own.
 */
export const codecRoutes: FastifyPluginAsyncZod<{
  auth: Auth;
  codec: PayloadCodec;
  uiOrigins: string[];
  openToLocalUi: boolean;
}> = async (app, { auth, codec, uiOrigins, openToLocalUi }) => {
  // The UI calls from the browser: only its own origins may, with its headers.
  await app.register(cors, {
    origin: uiOrigins,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    credentials: true,
    maxAge: 600,
  });
  for (const direction of ['decode', 'encode'] as const) {
    app.post(
      `/${direction}`,
      {
        ...(openToLocalUi ? {} : { onRequest: auth.require('support') }),
        schema: {
          tags: ['system'],
          summary: `Remote payload codec: ${direction} payloads for Temporal UI`,
          body: Payloads,
          response: { 200: Payloads },
        },
      },
      async (request) => {
        try {
          return { payloads: (await codec[direction](request.body.payloads.map(fromJson))).map(toJson) };
        } catch (error) {
          // A payload this codec cannot read (another key, tampered, not ours) is the caller's input, not a server fault.
          throw new Problem(400, 'undecodable-payload', 'Payload cannot be decoded', (error as Error).message);
        }
      },
    );
  }
};
