import { readFileSync } from 'node:fs';
import type { Config } from '../config/env.js';

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
