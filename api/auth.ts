import { createHash } from 'node:crypto';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ApiKey } from '../config/env.js';
import type { Caller, Role } from '../domain/caller.js';
import { Problem } from './problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's role, once authenticated. */
    role?: Role;
    /** Who is calling, once authenticated: the key's name and role. */
    caller?: Caller;
  }
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/** The authenticated caller of a route guarded by `auth.require`; a route without the guard has none. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`route ${request.routeOptions.url} reads the caller without auth.require`);
  return request.caller;
}

/** Bearer-key authentication: keys are kept hashed; `require` builds a hook admitting the given roles. */
export function createAuth(keys: ReadonlyArray<ApiKey>) {
  const callerByHash = new Map(keys.map(({ key, role, name }) => [hash(key), { role, name } satisfies Caller]));

  function authenticate(request: FastifyRequest): Caller {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match)
      throw new Problem(401, 'unauthorized', 'Unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
    const caller = callerByHash.get(hash(match[1]!));
    if (!caller) throw new Problem(401, 'unauthorized', 'Unauthorized', 'The API key is not known.');
    return caller;
  }

  return {
    /** The caller a request's key names, or undefined without a known key (rate limiting keys on it). */
    identify(request: FastifyRequest): Caller | undefined {
      const match = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
      return match ? callerByHash.get(hash(match[1]!)) : undefined;
    },
    /** A hook that admits callers whose role is listed (admin is always admitted). */
    require(...roles: Role[]): onRequestHookHandler {
      return async (request) => {
        const caller = authenticate(request);
        if (caller.role !== 'admin' && !roles.includes(caller.role))
          throw new Problem(403, 'forbidden', 'Forbidden', `This action needs one of the roles: ${roles.join(', ')}.`);
        request.role = caller.role;
        request.caller = caller;
      };
    },
  };
}

/** The auth helper routes receive. */
export type Auth = ReturnType<typeof createAuth>;
