/**
 * Which error answers a route gives beyond those of its shape and authentication, as every module's route
 * plugin declares them: `config: { errors: ['CASE_NOT_FOUND', 'VERSION_CONFLICT'] }`. Codes come from the
 * catalogue (`errors.ts`), so the HTTP status of each is known.
 *
 * `http/` documents every route's error answers from this: those of its shape (bad input, a body too large,
 * an internal error, an unavailable dependency) and of its authentication it adds itself; a route lists
 * only its own (a missing resource, a conflict, a refusal by policy, a rate limit). The list documents; it
 * changes no answer.
 */
import type { ErrorCode } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The catalogue codes this route can answer besides those every route of its kind gives. */
    errors?: readonly ErrorCode[];
  }
}

export type RouteErrors = readonly ErrorCode[];
