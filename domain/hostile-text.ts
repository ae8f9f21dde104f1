// C0 controls, DEL and C1 controls, and UTF-16 halves without their partner: Postgres refuses NUL
// outright and the rest corrupt logs, terminals and documents further down the line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_ISSUES = 20;

/** One hostile string: where it sits (keys and indexes) and why it is refused. */
export interface HostileText {
  path: PropertyKey[];
  message: string;
}

/** Why `text` is hostile, or undefined when it is fine; free text may hold tabs and line breaks. */
export function hostileTextReason(text: string, freeText: boolean): string | undefined {
  const control = (freeText ? CONTROL_BUT_LINE_BREAKS : CONTROL).exec(text);
  if (control) {
    const code = control[0].codePointAt(0)!;
    return code === 0
      ? 'must not contain NUL bytes (U+0000)'
      : `must not contain control characters (found U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  }
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * Every hostile string in a parsed value (keys too), up to 20. Iterative, so a deeply nested value
 * cannot overflow the stack. The API checks every request with it, and the order workflow every
 * update, since Temporal UI and the CLI reach the workflow without passing the API.
 */
export function findHostileText(value: unknown, freeText: boolean): HostileText[] {
  const issues: HostileText[] = [];
  const pending: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  while (pending.length && issues.length < MAX_ISSUES) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      const reason = hostileTextReason(current, freeText);
      if (reason) issues.push({ path, message: reason });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--)
        pending.push({ value: current[index], path: [...path, index] });
    } else if (current && typeof current === 'object') {
      for (const [key, child] of Object.entries(current).reverse()) {
        const keyReason = hostileTextReason(key, false);
        if (keyReason) issues.push({ path, message: `has a field name that ${keyReason}` });
        else pending.push({ value: child, path: [...path, key] });
      }
    }
  }
  return issues;
}
