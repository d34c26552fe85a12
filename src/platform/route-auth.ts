/**
 * How a route is authenticated, as every module's route plugin declares it. The vocabulary lives here so
 * that any module can declare its routes' authentication without depending on identity, which implements
 * it (`identity/sessions/route-auth.ts`) and is handed to each plugin by the composition root.
 *
 * A route says `config: { auth: 'public' }` (or another kind); a route that says nothing gets its plugin's
 * default. The same declaration drives the check on every request and the route's `security` in the
 * OpenAPI document, so the two cannot disagree.
 */
import type { FastifyInstance } from 'fastify';

export const routeAuthKinds = [
  /** Anyone: health, the ledger's public checkpoint and proofs, the first step of sign-in. */
  'public',
  /** An admin API token (`cst_…`): staff management and ledger reads, never customer data. */
  'admin',
  /** A staff session with a completed second factor; the request carries the staff principal. */
  'staff',
  /** A staff session that may have only its password (enrolment, the second step of sign-in, sign-out). */
  'staff-enrolling',
  /** A customer (privacy portal) session with a completed second factor. */
  'customer',
  /** A customer session that may have only its password. */
  'customer-enrolling',
] as const;
export type RouteAuthKind = (typeof routeAuthKinds)[number];

/**
 * What an API token may do: each `admin` route names the one scope it needs, and a token works only on
 * routes whose scope it holds. `setup` makes the first administrators (operator tokens, during setup only);
 * `ledger_read` reads ledger entry contents (an auditor's: never an administrator's token); `telephony` reports
 * inbound calls (the telephony system's integration, minted by an administrator); `hr` reports HR signals about
 * staff (hired, notice, leave, termination, role changes: the HR system's integration, minted by an administrator).
 */
export const apiTokenScopes = [
  'staff_invite',
  'staff_suspend',
  'setup',
  'ledger_read',
  'telephony',
  'hr',
] as const;
export type ApiTokenScope = (typeof apiTokenScopes)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route is authenticated; the plugin's default when absent. */
    auth?: RouteAuthKind;
    /** The API-token scope an `admin` route needs; an `admin` route without one is refused at start-up. */
    scope?: ApiTokenScope;
  }
}

/**
 * A plugin's default kind: never `public`, so a route is public only by saying so.
 */
export type DefaultRouteAuthKind = Exclude<RouteAuthKind, 'public'>;

/** Installs authentication on one route plugin: every route registered after it in that plugin is covered. */
export interface RouteAuth {
  /** Also records the default on the plugin's instance (`setPluginDefaultAuth`). */
  install(app: FastifyInstance, defaultKind: DefaultRouteAuthKind): void;
}

const pluginDefault = Symbol('custos.routeAuth.pluginDefault');
type WithPluginDefault = { [pluginDefault]?: DefaultRouteAuthKind };

/** Records the kind of a plugin's routes that declare none, on the plugin's Fastify instance. */
export function setPluginDefaultAuth(app: FastifyInstance, kind: DefaultRouteAuthKind): void {
  (app as unknown as WithPluginDefault)[pluginDefault] = kind;
}

/**
 * How a route registered on `app` is authenticated: the kind it declares, else its plugin's default;
 * undefined when it declares none and no authentication is installed where it is registered. For code that
 * must know a route's kind before the plugin's own `onRoute` hook has filled it in (hooks of the enclosing
 * app run first), such as the error answers `http/` documents for each operation.
 */
export function routeAuthKindOf(
  app: FastifyInstance,
  config: { auth?: RouteAuthKind } | undefined,
): RouteAuthKind | undefined {
  return config?.auth ?? (app as unknown as WithPluginDefault)[pluginDefault];
}
