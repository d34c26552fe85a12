/**
 * The OpenAPI 3 document (`/openapi.json`) and its reference pages (`/docs`): what the document says about
 * Custos as a whole — server, licence, contact, security schemes, tags — and the contract every operation
 * keeps (`operation-contract.ts`). A client is generated from this document, so `npm test` lints it with
 * Redocly's `recommended` rules (`test/http/openapi-contract.test.ts`).
 *
 * Shared schemas are named components after their `$id` (`Error`, `Case`, `MaskedCustomer`, …), so a
 * generated client gets meaningful type names.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { installOperationContract } from './operation-contract.ts';

/** Every tag an operation may carry, with what it groups; the document lists them in this order. */
export const operationTags = [
  { name: 'operations', description: 'Liveness and readiness, for load balancers and orchestrators' },
  { name: 'ledger', description: 'The tamper-evident ledger: signed checkpoints, entries, Merkle proofs' },
  { name: 'identity', description: 'Staff accounts: invitations, sign-in, second factor, sessions, SSO' },
  { name: 'passkeys', description: 'WebAuthn passkeys of staff and customers: enrol, list, sign in' },
  { name: 'portal', description: 'The customer privacy portal: sign-up, sign-in, presence codes' },
  { name: 'cases', description: "Cases bind staff access to a customer's request; the record through one" },
  { name: 'customers', description: 'Register and find customers (masked views only)' },
  { name: 'reveal-approvals', description: 'Four eyes on revealing sensitive fields' },
  { name: 'break-glass', description: 'Emergency access without a case, and its review' },
  {
    name: 'exports',
    description:
      'Record exports (capped; a quorum for large ones) and differentially private aggregates, with four eyes',
  },
  { name: 'staff', description: 'Per-staff settings such as quota overrides' },
  { name: 'policies', description: 'The Cedar policy set in force and its four-eyes changes' },
  { name: 'security', description: 'Security alerts raised by the insider-risk watch' },
  { name: 'privacy', description: "Customers' rights decided by a privacy officer: erasure, legal holds" },
] as const;

export interface OpenApiOptions {
  /** Where clients reach Custos (`CUSTOS_PUBLIC_ORIGIN`); the document's server. Default: relative `/`. */
  publicOrigin?: string;
}

/** Registers the document, `/openapi.json`, `/docs` and the operation contract; call before any route. */
export async function installOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  installOperationContract(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Custos',
        version: '0.1.0',
        description:
          'Customer personal-data vault: sealed fields, masked views, exact blind-index search, access only ' +
          'through cases, every act in a tamper-evident ledger. Errors are `{ error: { code, message, ' +
          'requestId, details? } }` with a stable code.',
        license: { name: 'UNLICENSED' },
        contact: { name: 'Custos maintainers' },
      },
      servers: [{ url: options.publicOrigin ?? '/', description: 'This Custos' }],
      tags: [...operationTags],
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'An admin API token (cst_…)' },
          staffSession: { type: 'http', scheme: 'bearer', description: 'A staff session token (css_…)' },
          staffCookie: { type: 'apiKey', in: 'cookie', name: 'custos_session' },
          customerSession: {
            type: 'http',
            scheme: 'bearer',
            description: 'A customer session token (css_…)',
          },
          customerCookie: { type: 'apiKey', in: 'cookie', name: 'custos_portal_session' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
