import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../ports/webhook-signature.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * A property-based fuzz over every route of the OpenAPI document. Each request carries at least one
 * defect (no or a wrong key or signature, a broken body, a hostile or unknown path parameter, a bad
 * query, an undeclared method, an unknown path), so none may succeed: each must get a 4xx problem the
 * document declares for that route, and nothing may change in the database.
 */

let stack: TestStack;

beforeAll(async () => {
  // No worker: a workflow started by mistake would show up as a row, never as a finished order.
  // The sandbox payment provider stays quiet here: a webhook an earlier file left due would add a row
  // while this file checks that nothing it sends changes any table.
  stack = await startTestStack({ RATE_LIMIT_PER_MINUTE: '1000000', SANDBOX_WEBHOOK_SEND_EVERY: '1h' });
});
afterAll(() => stack.close());

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
}
interface Operation {
  path: string;
  method: string;
  pathParams: string[];
  queryParams: string[];
  body?: JsonSchema;
  statuses: Set<number>;
}

const WEBHOOK_SECRET = 'dev-webhook-secret';
const VALID_KEYS = ['dev-service-key', 'dev-support-key', 'dev-admin-key'];
const HOSTILE = [
  '\u0000',
  'a\u0000b',
  'x\ud800',
  '\udfff',
  '\u001b[2J',
  '\u0007',
  '\u0085',
  '\u007f',
  "'; drop table orders; --",
  '../../etc/passwd',
  '${jndi:ldap://x/a}',
  '<script>alert(1)</script>',
  '\ufeff',
  '',
  ' ',
  'a'.repeat(3_000),
];
/** A value no field of any request body accepts: hostile text, or an array where no field takes nested arrays. */
const POISON: unknown[] = ['\u0000', 'x\ud800', '\u001b', [[[]]], { '\u0000': 1 }];

const hostileText = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 40 }));
/** Text no field accepts anywhere: it holds a NUL or another control character. */
const forbiddenText = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\n'),
    fc.string({ maxLength: 10 }),
  )
  .map((parts) => parts.join(''));
const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText);

/** Values shaped like the schema, often valid field by field, often not. */
function shaped(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 3) return junk;
  const variants = schema.anyOf ?? schema.oneOf;
  let own: fc.Arbitrary<unknown>;
  if (variants) own = fc.oneof(...variants.map((variant) => shaped(variant, depth + 1)));
  else if (schema.enum) own = fc.constantFrom(...schema.enum);
  else if (schema.const !== undefined) own = fc.constant(schema.const);
  else if (schema.properties) {
    const entries = Object.fromEntries(
      Object.entries(schema.properties).map(([key, child]) => [key, shaped(child, depth + 1)]),
    );
    own = fc.record(entries, { requiredKeys: [] });
  } else {
    const type = [schema.type].flat()[0];
    if (type === 'string')
      own =
        schema.format === 'date-time'
          ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
          : fc.oneof(fc.string({ maxLength: 30 }), hostileText);
    else if (type === 'integer') own = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53, 1e308));
    else if (type === 'number') own = fc.double();
    else if (type === 'boolean') own = fc.boolean();
    else if (type === 'array') own = fc.array(shaped(schema.items, depth + 1), { maxLength: 3 });
    else own = junk;
  }
  return fc.oneof({ weight: 4, arbitrary: own }, { weight: 1, arbitrary: junk });
}

/** Larger than the 256 KiB body limit. */
const TOO_LARGE = JSON.stringify({ notes: 'x'.repeat(300 * 1024) });

/** A body that no route can accept, with the content type it is sent as. */
function brokenBody(schema: JsonSchema): fc.Arbitrary<{ payload: string; contentType: string | undefined }> {
  const json = (value: unknown) => ({
    payload: JSON.stringify(value),
    contentType: 'application/json' as string | undefined,
  });
  const keys = Object.keys(schema.properties ?? { x: {} });
  const poisoned = fc
    .tuple(
      shaped({ ...schema, anyOf: undefined, oneOf: undefined }),
      fc.constantFrom(...keys),
      fc.constantFrom(...POISON),
      fc.boolean(),
    )
    .map(([value, key, poison, drop]) => {
      const body = value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : {};
      const required = schema.required ?? [];
      // Either a required field goes missing, or some field holds what no field accepts.
      if (drop && required.length)
        delete (body as Record<string, unknown>)[required[keys.indexOf(key) % required.length]!];
      else (body as Record<string, unknown>)[key] = poison;
      return json(body);
    });
  return fc.oneof(
    { weight: 4, arbitrary: poisoned },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 1 })))
        .map(json),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{',
          '{"a":',
          'nul',
          '[1,2',
          '{"__proto__":{"polluted":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '\u0000',
          '',
        )
        .map((payload) => ({ payload, contentType: 'application/json' })),
    },
    { weight: 1, arbitrary: fc.constant({ payload: TOO_LARGE, contentType: 'application/json' }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
            'application/json-patch+json',
          ),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([contentType, value]) => ({ payload: JSON.stringify(value), contentType })),
    },
  );
}

/** A well-formed path parameter no resource has. */
function unknownLookingParam(name: string): fc.Arbitrary<string> {
  const crockford = fc.string({
    unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'),
    minLength: 16,
    maxLength: 16,
  });
  if (name === 'id') return crockford.map((tail) => `ord_0000000000${tail}`);
  if (name === 'number')
    return fc.integer({ min: 0, max: 999_999 }).map((n) => `INV-1999-${String(n).padStart(6, '0')}`);
  return crockford.map((tail) => `ZZ-FUZZ-${tail}`);
}

/** A path parameter no resource has: well-formed but unknown, or malformed and hostile. */
const unknownParam = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    unknownLookingParam(name),
    hostileText.filter((text) => text.length > 0),
  );

/** Percent-encodes a path segment; a lone surrogate (which encodeURIComponent refuses) becomes invalid UTF-8 bytes. */
const encodeSegment = (text: string) =>
  [...text].map((char) => (/\p{Cs}/u.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('');

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** The statuses this request may get; undefined when it is not aimed at a route. */
  declared?: Set<number>;
  defect: string;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** A request to `op` with exactly one sure defect and random everything else. */
function requestFor(
  op: Operation,
  allowedOnPath: string[],
  answers: (method: string, url: string) => boolean,
): fc.Arbitrary<FuzzRequest> {
  const needsKey = op.path.startsWith('/v1/') && !op.path.startsWith('/v1/webhooks/');
  const signed = op.path.startsWith('/v1/webhooks/');
  const params = fc.record(Object.fromEntries(op.pathParams.map((name) => [name, unknownParam(name)])));
  const wellFormedParams = fc.record(
    Object.fromEntries(op.pathParams.map((name) => [name, unknownLookingParam(name)])),
  );
  const fill = (values: Record<string, string>) =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(values[name] ?? 'x'));
  const key = fc.constantFrom(...VALID_KEYS).map((k) => ({ authorization: `Bearer ${k}` }));
  const badKey = fc.oneof(
    fc.constant({}),
    fc
      .constantFrom(
        'Bearer nope-not-a-key',
        'Basic ZGV2OmRldg==',
        'Bearer ',
        'bearer dev-service-keyX',
        'Bearer dev-service-key dev-admin-key',
        'Bearer dev-service-key\u0000',
      )
      .map((authorization) => ({ authorization })),
    hostileText.filter((text) => !/[\r\n]/.test(text)).map((text) => ({ authorization: `Bearer ${text}` })),
  );
  const extraHeaders = fc.record(
    {
      'idempotency-key': fc.oneof(
        fc.uuid(),
        hostileText.filter((t) => !/[\r\n\u0000]/.test(t)),
      ),
      accept: fc.constantFrom('application/json', 'text/html', '*/*'),
    },
    { requiredKeys: [] },
  );
  const anyBody = op.body
    ? fc.oneof(
        shaped(op.body).map((value) => ({
          payload: JSON.stringify(value ?? null),
          contentType: 'application/json' as string | undefined,
        })),
        brokenBody(op.body),
      )
    : fc.constant(undefined);

  const withBody = (
    body: { payload: string; contentType: string | undefined } | undefined,
    headers: Record<string, string>,
    signature: 'good' | 'bad' | 'none',
  ) => {
    const all = { ...headers };
    if (body?.contentType) all['content-type'] = body.contentType;
    if (signed && signature !== 'none')
      all['x-signature'] = signature === 'good' ? signWebhookBody(body?.payload ?? '', WEBHOOK_SECRET) : 'sha256=00';
    return { headers: all, ...(body ? { payload: body.payload } : {}) };
  };

  const defects: Array<fc.WeightedArbitrary<FuzzRequest>> = [];
  if (needsKey || signed) {
    defects.push({
      weight: 3,
      arbitrary: fc
        .tuple(params, anyBody, badKey, extraHeaders, fc.constantFrom<'bad' | 'none'>('bad', 'none'))
        .map(([values, body, auth, extra, signature]) => ({
          method: op.method,
          url: fill(values),
          ...withBody(body, { ...extra, ...auth }, signature),
          declared: op.statuses,
          defect: 'credentials',
        })),
    });
  }
  if (op.body) {
    defects.push({
      weight: 3,
      arbitrary: fc.tuple(params, brokenBody(op.body), key, extraHeaders).map(([values, body, auth, extra]) => ({
        method: op.method,
        url: fill(values),
        ...withBody(body, { ...extra, ...auth }, 'good'),
        declared: op.statuses,
        defect: 'body',
      })),
    });
  }
  if (op.pathParams.length) {
    defects.push({
      weight: 3,
      arbitrary: fc.tuple(params, anyBody, key, extraHeaders).map(([values, body, auth, extra]) => ({
        method: op.method,
        url: fill(values),
        ...withBody(body, { ...extra, ...auth }, 'good'),
        declared: op.statuses,
        defect: 'unknown or hostile id',
      })),
    });
  }
  if (op.queryParams.length) {
    const badQuery = fc.oneof(
      fc
        .tuple(fc.constantFrom(...op.queryParams), forbiddenText)
        .map(([name, value]) => `${name}=${encodeURIComponent(value)}`),
      fc
        .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 3, maxLength: 8 })
        .map((name) => `zz${name}=1`),
    );
    defects.push({
      weight: 3,
      arbitrary: fc.tuple(badQuery, key, extraHeaders).map(([query, auth, extra]) => ({
        method: op.method,
        url: `${op.path}?${query}`,
        headers: { ...extra, ...auth },
        declared: op.statuses,
        defect: 'query',
      })),
    });
  }
  // Preflight on the codec endpoint is CORS's to answer.
  const undeclared = ALL_METHODS.filter(
    (method) => !allowedOnPath.includes(method) && !(method === 'OPTIONS' && op.path.startsWith('/codec')),
  );
  if (undeclared.length) {
    defects.push({
      weight: 1,
      arbitrary: fc
        .tuple(wellFormedParams, fc.constantFrom(...undeclared), key)
        .map(([values, method, auth]): FuzzRequest => ({ method, url: fill(values), headers: auth, defect: 'method' }))
        // `GET /v1/inventory/receipts` is `GET /v1/inventory/{sku}`: another route may answer the same path.
        .filter((request) => !answers(request.method, request.url)),
    });
  }
  return fc.oneof(...defects);
}

const junkPath = fc.oneof(
  fc
    .array(fc.string({ maxLength: 12 }).map(encodeSegment), { minLength: 1, maxLength: 4 })
    .map((segments) => `/v1/fuzz/${segments.join('/')}`),
  fc.constantFrom(
    '/%',
    '/%zz',
    '/v1/orders/%E0%A4%A',
    '/..%2f..%2fetc%2fpasswd',
    '/v1//orders',
    '/v1/orders/ord_01J00000000000000000000000/../../admin',
  ),
);

function operationsOf(spec: {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string }>;
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        responses: Record<string, unknown>;
      }
    >
  >;
}): Operation[] {
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      path,
      method: method.toUpperCase(),
      pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      ...(operation.requestBody ? { body: operation.requestBody.content['application/json']!.schema } : {}),
      statuses: new Set(Object.keys(operation.responses).map(Number)),
    })),
  );
}

async function rowCounts() {
  const [row] = await stack.db.execute<Record<string, number>>(sql`
    select (select count(*) from orders)::int as orders, (select count(*) from order_lines)::int as order_lines,
           (select count(*) from customers)::int as customers, (select count(*) from payments)::int as payments,
           (select count(*) from webhook_events)::int as webhook_events, (select count(*) from support_requests)::int as support_requests,
           (select count(*) from order_events)::int as order_events, (select count(*) from stock_lots)::int as stock_lots,
           (select coalesce(sum(on_hand), 0) from stock_lots)::int as on_hand`);
  return row;
}

describe('fuzzing every route', () => {
  it('random and hostile bodies, headers, paths and methods always get a declared 4xx problem and change nothing', async () => {
    const spec = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const operations = operationsOf(spec);
    expect(operations.length).toBeGreaterThan(15);
    const methodsByPath = new Map<string, string[]>();
    for (const op of operations)
      methodsByPath.set(op.path, [
        ...(methodsByPath.get(op.path) ?? []),
        op.method,
        ...(op.method === 'GET' ? ['HEAD'] : []),
      ]);
    const templates = operations.map((op) => ({
      method: op.method,
      pattern: new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`),
    }));
    const answers = (method: string, url: string) => templates.some((t) => t.method === method && t.pattern.test(url));
    const requests = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.oneof(...operations.map((op) => requestFor(op, methodsByPath.get(op.path)!, answers))),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(junkPath, fc.constantFrom(...ALL_METHODS)).map(([url, method]): FuzzRequest => ({
          method,
          url,
          headers: { authorization: 'Bearer dev-admin-key' },
          defect: 'unknown path',
        })),
      },
    );

    const before = await rowCounts();
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const response = await stack.app.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          ...(request.payload !== undefined ? { payload: request.payload } : {}),
        });
        const where = `${request.defect}: ${request.method} ${request.url.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
        expect(response.statusCode, where).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, where).toBeLessThan(500);
        expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
        expect(response.json(), where).toMatchObject({
          type: expect.stringMatching(/^\/problems\//),
          title: expect.any(String),
          status: response.statusCode,
        });
        if (request.declared) expect([...request.declared], where).toContain(response.statusCode);
        if (request.defect === 'method') {
          expect(response.statusCode, where).toBe(405);
          expect(response.headers.allow, where).toBeTruthy();
        }
        seen.set(
          `${request.defect} ${response.statusCode}`,
          (seen.get(`${request.defect} ${response.statusCode}`) ?? 0) + 1,
        );
      }),
      { numRuns: 10_000, interruptAfterTimeLimit: 45_000 },
    );
    expect(await rowCounts()).toEqual(before);
    // The fuzz reached past authentication into validation, lookups and routing.
    const statuses = new Set([...seen.keys()].map((entry) => Number(entry.split(' ').at(-1))));
    expect([...statuses]).toEqual(expect.arrayContaining([400, 401, 403, 404, 405, 413, 414, 415]));
  }, 120_000);
});
