import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, asSupport } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

interface Operation {
  description?: string;
  parameters?: Array<{ in: string }>;
  requestBody?: unknown;
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }
  >;
}
type Spec = { paths: Record<string, Record<string, Operation>> };

const spec = async (): Promise<Spec> => (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();

/** Routes answered without an API key: probes, metrics, docs, the codec endpoint open to the local UI, and signed webhooks. */
const withoutKey = (path: string) => !path.startsWith('/v1/') || path.startsWith('/v1/webhooks/');

describe('the OpenAPI document is honest about errors', () => {
  it('declares for every route the problems it can answer with, as application/problem+json', async () => {
    const { paths } = await spec();
    const operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      const where = `${method.toUpperCase()} ${path}`;
      const expected = ['429', '503', '504'];
      if (!withoutKey(path)) expected.push('401', '403');
      if (path.startsWith('/v1/webhooks/')) expected.push('401');
      if (operation.requestBody || operation.parameters?.length) expected.push('400');
      if (operation.requestBody) expected.push('413', '415');
      if (operation.parameters?.some((p) => p.in === 'path')) expected.push('404', '414');
      expect(statuses, where).toEqual(expect.arrayContaining(expected));
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || (path === '/ready' && status === '503')) continue;
        expect(Object.keys(response.content ?? {}), `${where} ${status}`).toEqual(['application/problem+json']);
        expect(response.content!['application/problem+json']!.schema.properties, `${where} ${status}`).toMatchObject({
          type: expect.anything(),
          title: expect.anything(),
          status: expect.anything(),
        });
        expect(response.description, `${where} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('declares the refusals of support actions and the cross-field rules of their bodies', async () => {
    const { paths } = await spec();
    for (const action of ['cancel', 'returns', 'confirm', 'info-correction', 'shortage-resolution']) {
      expect(Object.keys(paths[`/v1/orders/{id}/${action}`]!.post!.responses), action).toEqual(
        expect.arrayContaining(['409', '422']),
      );
    }
    expect(Object.keys(paths['/v1/orders/{id}']!.patch!.responses)).toEqual(
      expect.arrayContaining(['400', '404', '409', '422']),
    );
    expect(paths['/v1/orders/{id}']!.patch!.description).toContain('Give shippingAddress, lines or both');
    expect(paths['/v1/orders/{id}/info-correction']!.post!.description).toContain(
      'at least one of shippingAddress, customerPhone or customerName',
    );
    expect(paths['/v1/orders/{id}/shortage-resolution']!.post!.description).toContain(
      'required with the substitute decision, and only with it',
    );
    expect(paths['/v1/orders']!.post!.description).toContain('required for marketplace orders');
    expect(paths['/v1/orders']!.get!.description).toContain('`createdTo` must be later than `createdFrom`');
  });

  it('answers an undeclared method on a known path with 405 and Allow, and an unknown path with 404', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/v1/orders/ord_01J00000000000000000000000', 'GET, HEAD, PATCH'],
      ['PUT', '/v1/orders', 'GET, HEAD, POST'],
      ['GET', '/v1/orders/ord_01J00000000000000000000000/cancel', 'POST'],
      ['GET', '/v1/webhooks/payments', 'POST'],
      ['POST', '/health', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const response = await stack.app.inject({ method: method as 'GET', url, headers: asSupport });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: '/problems/method-not-allowed', status: 405 });
    }
    const unknown = await stack.app.inject({ method: 'GET', url: '/v1/nothing-here', headers: asService });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/not-found' });
  });
});
