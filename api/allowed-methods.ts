import type { RouteOptions } from 'fastify';

/** A route's path as a pattern over concrete paths: `/v1/orders/:id` matches `/v1/orders/ord_…`. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Remembers the methods each route path answers (fed by an onRoute hook), so a known path asked with
 * another method is told which ones it has. Wildcard routes (static files, CORS preflight) are left out:
 * they would claim every path below them.
 */
export function createMethodRegistry() {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  return {
    /** The onRoute hook that records a route. */
    record(route: RouteOptions): void {
      if (route.url.includes('*')) return;
      const entry = routes.get(route.url) ?? { pattern: pathPattern(route.url), methods: new Set<string>() };
      for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
      routes.set(route.url, entry);
    },
    /** The methods `path` answers, sorted; empty for a path no route has. */
    allowedFor(path: string): string[] {
      const methods = new Set<string>();
      for (const { pattern, methods: own } of routes.values())
        if (pattern.test(path)) own.forEach((method) => methods.add(method));
      return [...methods].sort();
    },
  };
}
