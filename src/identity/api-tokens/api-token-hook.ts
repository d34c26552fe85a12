/**
 * Authentication by admin API token (`Authorization: Bearer cst_…`): for staff management and ledger reads,
 * never for customer data. The resolved actor is put on the request and passed explicitly to every service
 * call.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokens } from './api-tokens.ts';
import type { Actor } from '../../platform/actor.ts';
import { CustosError } from '../../platform/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export function requireApiToken(tokens: Pick<ApiTokens, 'authenticate'>) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (!header) throw new CustosError('AUTH_REQUIRED', 'Sign in first: send Authorization: Bearer <token>');
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
    request.actor = await tokens.authenticate(match[1] as string);
  };
}

/** The actor of an authenticated request; a route without the auth hook would fail here, closed. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new CustosError('AUTH_REQUIRED', 'Sign in first');
  return request.actor;
}
