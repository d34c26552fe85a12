/**
 * HTTP routes of staff single sign-on, present only when an identity provider is configured.
 * `GET /v1/auth/oidc/start` redirects to the IdP and keeps the pending sign-in server-side, its handle in an
 * HttpOnly cookie that is SameSite=Lax (the IdP's redirect back is a cross-site top-level navigation, which a
 * Strict cookie would not follow) and scoped to these routes. `GET /v1/auth/oidc/callback` finishes it and
 * answers a staff session like the other sign-in routes.
 */
import type { FastifyInstance } from 'fastify';
import { sendSession, sessionAnswerSchema } from '../sessions/session-cookie.ts';
import type { StaffSso } from './staff-sso.service.ts';

const PENDING_COOKIE = 'custos_oidc';
const COOKIE_PATH = '/v1/auth/oidc';

export function oidcRoutes(app: FastifyInstance, deps: { staffSso: StaffSso }) {
  const tags = ['identity'];

  app.get(
    `${COOKIE_PATH}/start`,
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'startStaffSso',
        response: { 302: { type: 'null', description: 'To the identity provider (Location)' } },
        tags,
        summary: 'Staff single sign-on: redirect to the identity provider',
      },
    },
    async (_request, reply) => {
      const { url, handle, expiresAt } = await deps.staffSso.start();
      reply.setCookie(PENDING_COOKIE, handle, {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: COOKIE_PATH,
        expires: new Date(expiresAt),
      });
      return reply.redirect(url.href, 302);
    },
  );

  app.get(
    `${COOKIE_PATH}/callback`,
    {
      config: {
        auth: 'public',
        errors: ['AUTH_INVALID', 'FORBIDDEN', 'IDP_SECOND_FACTOR_REQUIRED', 'ACCOUNT_SUSPENDED'],
      },
      schema: {
        operationId: 'finishStaffSso',
        response: { 200: sessionAnswerSchema() },
        tags,
        summary: 'Staff single sign-on: the identity provider sends the browser back here',
      },
    },
    async (request, reply) => {
      const cookies = (request as { cookies?: Record<string, string | undefined> }).cookies;
      reply.clearCookie(PENDING_COOKIE, { path: COOKIE_PATH });
      const issued = await deps.staffSso.finish({
        handle: cookies?.[PENDING_COOKIE],
        callbackUrl: request.url,
      });
      return sendSession(reply, issued);
    },
  );
}
