/**
 * The Fastify app: error mapping, OpenAPI (`/openapi.json`, `/docs`), health, metrics and each module's
 * routes. Built from services, never from config, so tests drive it with `app.inject()`.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Custos } from '../app.ts';
import { caseRoutes } from '../access/cases/cases.routes.ts';
import { customerRoutes } from '../access/customers/customers.routes.ts';
import { oversightRoutes } from '../access/break-glass/break-glass.routes.ts';
import { presenceRoutes } from '../access/cases/presence.routes.ts';
import { portalInvitationRoutes } from '../access/cases/portal-invitations.routes.ts';
import { policyRoutes } from '../access/policy/policy.routes.ts';
import { revealApprovalRoutes } from '../access/reveal/reveal-approvals.routes.ts';
import { uuidv7 } from '../platform/ids.ts';
import { identityRoutes } from '../identity/staff/staff.routes.ts';
import { oidcRoutes } from '../identity/sso/oidc.routes.ts';
import { passkeyRoutes } from '../identity/passkeys/passkey.routes.ts';
import { portalRoutes } from '../identity/sign-in/portal.routes.ts';
import { ledgerRoutes } from '../ledger/ledger.routes.ts';
import { requireApiToken } from '../identity/api-tokens/api-token-hook.ts';
import { requireSession } from '../identity/sessions/session-hook.ts';
import { installErrorHandling } from './error-handler.ts';
import { healthRoutes } from './health.routes.ts';
import { installMetrics } from './metrics.ts';

export type ServerDeps = Pick<
  Custos,
  | 'access'
  | 'policies'
  | 'ledger'
  | 'apiTokens'
  | 'accounts'
  | 'accountPasskeys'
  | 'staffSso'
  | 'sessions'
  | 'staff'
  | 'database'
  | 'keyring'
  | 'logger'
>;

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => uuidv7(),
    bodyLimit: 1 << 20,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  installErrorHandling(app);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Custos',
        version: '0.1.0',
        description: 'Customer personal-data vault: sealed fields, masked views, exact blind-index search.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  installMetrics(app);
  healthRoutes(app, { database: () => deps.database.ping(), keyring: () => deps.keyring.load() });
  const adminToken = requireApiToken(deps.apiTokens);
  // Customer data is reached only by a staff member signed in with a completed second factor; the admin
  // API token (a machine credential with no second factor) manages staff and reads the ledger, nothing more.
  const staffSession = requireSession(deps.sessions, { realm: 'staff' });
  const access = { ...deps.access, staffSession, staff: deps.staff, ledger: deps.ledger };
  customerRoutes(app, access);
  caseRoutes(app, access);
  oversightRoutes(app, access);
  presenceRoutes(app, { presenceCodes: deps.access.presenceCodes, sessions: deps.sessions });
  portalInvitationRoutes(app, access);
  revealApprovalRoutes(app, access);
  policyRoutes(app, { ...access, policies: deps.policies, sessions: deps.sessions });
  ledgerRoutes(app, { ledger: deps.ledger, authenticate: adminToken });
  identityRoutes(app, { accounts: deps.accounts, sessions: deps.sessions, adminToken });
  portalRoutes(app, { accounts: deps.accounts, sessions: deps.sessions });
  if (deps.staffSso) oidcRoutes(app, { staffSso: deps.staffSso });
  for (const [realm, prefix] of [
    ['staff', '/v1/auth'],
    ['customer', '/v1/portal'],
  ] as const) {
    passkeyRoutes(app, { realm, prefix, accountPasskeys: deps.accountPasskeys, sessions: deps.sessions });
  }
  await app.ready();
  return app;
}
