/**
 * HTTP routes of the customer realm: the privacy portal's sign-in under `/v1/portal` (sign-up by invitation,
 * TOTP enrolment, password + second factor, step-up, session; passkeys are in `passkey.routes.ts`). Staff
 * invite a customer through a case (`access/portal-invitations.routes.ts`), which calls
 * `accounts.inviteCustomer`. Customer sessions live in their own cookie and are refused by every staff
 * route, as staff sessions are by every portal route.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../accounts/accounts.service.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { signInRoutes } from './sign-in.routes.ts';

export function portalRoutes(app: FastifyInstance, deps: { accounts: Accounts; sessions: Sessions }) {
  const { accounts, sessions } = deps;
  signInRoutes(app, {
    realm: 'customer',
    prefix: '/v1/portal',
    acceptPath: '/v1/portal/sign-up',
    accounts,
    sessions,
  });
}
