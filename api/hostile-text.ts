import type { FastifyRequest } from 'fastify';
import { fieldPath, Problem, type FieldIssue } from './problems.js';

// C0 controls, DEL and C1 controls, and UTF-16 halves without their partner: Postgres refuses NUL
// outright and the rest corrupt logs, terminals and documents further down the line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_ISSUES = 20;

/** Why `text` is hostile, or undefined when it is fine; free text may hold tabs and line breaks. */
export function hostileTextReason(text: string, freeText: boolean): string | undefined {
  const control = (freeText ? CONTROL_BUT_LINE_BREAKS : CONTROL).exec(text);
  if (control) {
    const code = control[0].codePointAt(0)!;
    return code === 0 ? 'must not contain NUL bytes (U+0000)' : `must not contain control characters (found U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  }
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * Every hostile string in a parsed value (keys too), named by its path under `where`. Iterative, so a
 * deeply nested body cannot overflow the stack.
 */
export function findHostileText(value: unknown, where: string, freeText: boolean): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  const name = (path: PropertyKey[]) => fieldPath(path) || where;
  while (pending.length && issues.length < MAX_ISSUES) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      const reason = hostileTextReason(current, freeText);
      if (reason) issues.push({ path: name(path), message: reason });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], path: [...path, index] });
    } else if (current && typeof current === 'object') {
      for (const [key, child] of Object.entries(current).reverse()) {
        const keyReason = hostileTextReason(key, false);
        if (keyReason) issues.push({ path: name(path), message: `has a field name that ${keyReason}` });
        else pending.push({ value: child, path: [...path, key] });
      }
    }
  }
  return issues;
}

/** Headers the API reads values from, beyond those a route declares. */
const READ_HEADERS = ['idempotency-key'];

/** Header names a route declares in its schema. */
function declaredHeaders(request: FastifyRequest): string[] {
  const schema = request.routeOptions.schema?.headers as { shape?: Record<string, unknown> } | undefined;
  return Object.keys(schema?.shape ?? {});
}

/**
 * A preValidation hook: NUL bytes, control characters and lone surrogates in any string of the body,
 * query, path parameters or the headers the API reads are a 400 problem naming each field. Body strings
 * may hold tabs and line breaks (free text); names, ids, queries and headers may not.
 */
export async function refuseHostileText(request: FastifyRequest): Promise<void> {
  // A request no route answers gets its 404 or 405; its path is not read as anyone's field.
  if (request.is404) return;
  const sources: Array<[string, unknown, boolean]> = [
    ['body', request.body, true],
    ['querystring', request.query, false],
    ['params', request.params, false],
    ['headers', Object.fromEntries([...READ_HEADERS, ...declaredHeaders(request)].map((header) => [header, request.headers[header]])), false],
  ];
  for (const [where, value, freeText] of sources) {
    const errors = findHostileText(value, where, freeText);
    if (errors.length) throw new Problem(400, 'validation-error', 'Invalid request', `The request ${where} has text no field may hold: NUL bytes, control characters or unpaired surrogates.`, errors);
  }
}
