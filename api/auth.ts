import { createHash } from 'node:crypto';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Role } from '../config/env.js';
import { Problem } from './problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's role, once authenticated. */
    role?: Role;
  }
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/** Bearer-key authentication: keys are kept hashed; `require` builds a hook admitting the given roles. */
export function createAuth(keys: ReadonlyArray<{ key: string; role: Role }>) {
  const roleByHash = new Map(keys.map(({ key, role }) => [hash(key), role]));

  function authenticate(request: FastifyRequest): Role {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new Problem(401, 'unauthorized', 'Unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
    const role = roleByHash.get(hash(match[1]!));
    if (!role) throw new Problem(401, 'unauthorized', 'Unauthorized', 'The API key is not known.');
    return role;
  }

  return {
    /** A hook that admits callers whose role is listed (admin is always admitted). */
    require(...roles: Role[]): onRequestHookHandler {
      return async (request) => {
        const role = authenticate(request);
        if (role !== 'admin' && !roles.includes(role)) throw new Problem(403, 'forbidden', 'Forbidden', `This action needs one of the roles: ${roles.join(', ')}.`);
        request.role = role;
      };
    },
  };
}

/** The auth helper routes receive. */
export type Auth = ReturnType<typeof createAuth>;
