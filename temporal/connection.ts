import { readFileSync } from 'node:fs';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Config } from '../config/env.js';
import { createEncryptionCodec } from './payload-codec.js';

/** Connection settings for both the client and the worker: plain, mTLS, or Temporal Cloud API key. */
export function temporalConnectionOptions(temporal: Config['temporal'] & { address: string }) {
  const { tls, apiKey } = temporal;
  return {
    address: temporal.address,
    ...(apiKey ? { apiKey, metadata: { 'temporal-namespace': temporal.namespace } } : {}),
    ...(tls
      ? {
          tls: {
            ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
            ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
            clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) },
          },
        }
      : apiKey
        ? { tls: true as const }
        : {}),
  };
}

/** How payloads cross the wire: encrypted by the payload codec with the configured keys. */
export function payloadDataConverter(temporal: Pick<Config['temporal'], 'payloadKeys'>): {
  payloadCodecs: PayloadCodec[];
} {
  return { payloadCodecs: [createEncryptionCodec(temporal.payloadKeys)] };
}

/**
 * The API's Temporal client: connects lazily (so /ready can report an outage instead of crashing)
 * and gives up quickly when Temporal is down, so HTTP callers get a 503 to retry rather than a hang.
 */
export function createApiTemporalClient(temporal: Config['temporal'] & { address: string }) {
  const connection = Connection.lazy({
    ...temporalConnectionOptions(temporal),
    connectTimeout: 3_000,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
  });
  return {
    connection,
    client: new Client({ connection, namespace: temporal.namespace, dataConverter: payloadDataConverter(temporal) }),
  };
}
