import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// The package is CommonJS: Node's ESM loader sees only its default export.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const ENCODING = 'binary/encrypted';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key payloads are encrypted with, and the id stored beside each payload so keys can rotate. */
export interface CodecKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts every payload (workflow inputs, update arguments, results, memo) with AES-256-GCM before it
 * leaves the process, so customer data never reaches Temporal's history in clear. The first key
 * encrypts; any listed key decrypts. Payloads that are not encrypted pass through, so histories
 * written before the codec still replay.
 */
export function createEncryptionCodec(keys: readonly CodecKey[]): PayloadCodec {
  const [current] = keys;
  if (!current) throw new Error('the payload codec needs at least one key');
  const byId = new Map(keys.map((entry) => [entry.id, entry.key]));
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv(ALGORITHM, current.key, iv);
        const clear = PayloadMessage.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { encoding: encoder.encode(ENCODING), 'encryption-key-id': encoder.encode(current.id) },
          data,
        };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        if (!payload.metadata?.encoding || decoder.decode(payload.metadata.encoding) !== ENCODING) return payload;
        const keyId = payload.metadata['encryption-key-id']
          ? decoder.decode(payload.metadata['encryption-key-id'])
          : '';
        const key = byId.get(keyId);
        if (!key) throw new Error(`payload encrypted with unknown key "${keyId}"`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const clear = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return PayloadMessage.decode(clear);
      });
    },
  };
}
