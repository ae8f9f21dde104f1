import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config/env.js';
import { createEncryptionCodec } from '../../temporal/payload-codec.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const key = (fill: number) => Buffer.alloc(32, fill);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString();

describe('payload codec', () => {
  it('encrypts so nothing readable is left, decrypts with any listed key, and passes clear payloads through', async () => {
    const clear = defaultPayloadConverter.toPayload({ shippingAddress: { line1: 'Marienplatz 8', city: 'München' } });
    const codec = createEncryptionCodec([
      { id: 'k2', key: key(2) },
      { id: 'k1', key: key(1) },
    ]);
    const [encrypted] = await codec.encode([clear]);
    expect(text(encrypted!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(encrypted!.metadata!['encryption-key-id'])).toBe('k2');
    expect(text(encrypted!.data)).not.toContain('Marienplatz');
    const [decoded] = await codec.decode([encrypted!]);
    expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
    expect(Buffer.from(decoded!.data!).equals(Buffer.from(clear.data!))).toBe(true);
    // Rotated: a codec whose newest key is k3 still reads what k2 wrote.
    const rotated = createEncryptionCodec([
      { id: 'k3', key: key(3) },
      { id: 'k2', key: key(2) },
    ]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([encrypted!]))[0]!)).toEqual({
      shippingAddress: { line1: 'Marienplatz 8', city: 'München' },
    });
    expect(await codec.decode([clear])).toEqual([clear]);
    await expect(createEncryptionCodec([{ id: 'k9', key: key(9) }]).decode([encrypted!])).rejects.toThrow(
      'unknown key "k2"',
    );
    // Tampering is detected by the GCM tag.
    const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!).fill(0, 20, 21) };
    await expect(codec.decode([tampered])).rejects.toThrow();
  });

  it('serves Temporal UI: decode and encode in the remote codec format, CORS for the UI origin only', async () => {
    const encoded = (
      await stack.app.inject({
        method: 'POST',
        url: '/codec/encode',
        payload: {
          payloads: [
            {
              metadata: { encoding: Buffer.from('json/plain').toString('base64') },
              data: Buffer.from('{"city":"Berlin"}').toString('base64'),
            },
          ],
        },
      })
    ).json();
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const decoded = await stack.app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: 'http://localhost:8233', 'x-namespace': 'default' },
      payload: encoded,
    });
    expect(decoded.statusCode).toBe(200);
    expect(decoded.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(Buffer.from(decoded.json().payloads[0].data, 'base64').toString()).toBe('{"city":"Berlin"}');

    const preflight = await stack.app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: {
        origin: 'http://localhost:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('x-namespace');
    const garbage = {
      payloads: [{ ...encoded.payloads[0], data: Buffer.from('not what was encrypted').toString('base64') }],
    };
    const unreadable = await stack.app.inject({ method: 'POST', url: '/codec/decode', payload: garbage });
    expect(unreadable.statusCode).toBe(400);
    expect(unreadable.json()).toMatchObject({ type: '/problems/undecodable-payload' });
    const stranger = await stack.app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: 'https://evil.example' },
      payload: encoded,
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('needs a support key when real API keys are configured', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      API_KEYS: 'support:support-key-0123456789,service:service-key-0123456789',
    });
    const app = await buildApp({ config, db: stack.db, temporal: stack.client });
    const body = { payloads: [] };
    expect((await app.inject({ method: 'POST', url: '/codec/decode', payload: body })).statusCode).toBe(401);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/codec/decode',
          headers: { authorization: 'Bearer service-key-0123456789' },
          payload: body,
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/codec/decode',
          headers: { authorization: 'Bearer support-key-0123456789' },
          payload: body,
        })
      ).json(),
    ).toEqual({ payloads: [] });
    await app.close();
  });
});
