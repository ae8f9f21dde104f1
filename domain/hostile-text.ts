/** Control characters no text field takes (tab, line feed and carriage return are fine), and lone UTF-16 surrogates. */
const HOSTILE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether one string holds a NUL byte, another control character or a lone surrogate. */
export function isHostileText(text: string): boolean {
  return HOSTILE.test(text);
}

/**
 * The path (`reason`, `lines[0].sku`, …) of the first string in a JSON-like value, keys included,
 * that holds hostile text; null when there is none. Postgres refuses NUL bytes, so such text must be
 * turned away where it enters, before anything is recorded or promised.
 */
export function findHostileText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isHostileText(value) ? path || '(value)' : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findHostileText(item, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (isHostileText(key)) return at;
      const found = findHostileText(item, at);
      if (found) return found;
    }
  }
  return null;
}
