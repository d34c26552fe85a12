/**
 * What every access route shares: the staff session hook, the principal behind a request, and the
 * `customerData` route flag. A route that can return anything about an individual customer carries the
 * flag, and the access matrix test walks every flagged route (and fails on a flagged route it does not know).
 */
import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import { sessionOf } from '../identity/sessions/session-hook.ts';
import type { PrincipalOf, StaffPrincipal } from '../identity/sessions/principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route can return personal data of a customer: it must appear in the access matrix. */
    customerData?: boolean;
  }
}

export interface AccessRouteDeps {
  /** Staff session with a completed second factor. */
  staffSession: preValidationHookHandler;
  principalOf: PrincipalOf;
}

export const security = [{ bearer: [] }];

export function principal(deps: AccessRouteDeps, request: FastifyRequest): Promise<StaffPrincipal> {
  return deps.principalOf(sessionOf(request));
}
