/**
 * What every operation of the OpenAPI document must carry for a client to be generated from it, checked and
 * completed as each route is registered:
 *
 * - a camelCase `operationId`, declared in the route's schema and unique in the app: a route without one, or
 *   with one already taken, stops start-up;
 * - its error answers, each under the shared `Error` schema (`error-schema.ts`): those that follow from the
 *   route's shape (input → 400, a body → 413 and 415, always 500 and 503) and from its authentication
 *   (401, and 403 for sessions) are added here; the route lists its own codes in `config.errors`
 *   (`platform/route-errors.ts`). A status the route documents itself is left as it is.
 *
 * Hidden routes (`schema.hide`: the docs, metrics, the document itself) and the HEAD twins Fastify adds to
 * GET routes are not operations of the document and are skipped.
 *
 * Invariant: error answers are serialised under `ErrorSchema`, which describes every property the error
 * handler sends, so documenting them changes no answer; a route that documents a status with another body
 * (`/readyz`'s 503) keeps its own.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type ErrorCode, errorCatalogue } from '../platform/errors.ts';
import { type RouteAuthKind, routeAuthKindOf } from '../platform/route-auth.ts';
import type { RouteErrors } from '../platform/route-errors.ts';
import { ErrorSchema } from './error-schema.ts';

const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The codes each kind of authentication can answer before the route runs (see identity's route-auth). */
const session: ErrorCode[] = [
  'AUTH_REQUIRED',
  'AUTH_INVALID',
  'SESSION_EXPIRED',
  'CSRF_INVALID',
  'ACCOUNT_SUSPENDED',
  'STAFF_ON_LEAVE',
];
const fullSession: ErrorCode[] = [...session, 'SECOND_FACTOR_REQUIRED'];
const authCodes: Record<RouteAuthKind, ErrorCode[]> = {
  public: [],
  admin: ['AUTH_REQUIRED', 'AUTH_INVALID'],
  staff: fullSession,
  'staff-enrolling': session,
  customer: fullSession,
  'customer-enrolling': session,
};

const unavailable: ErrorCode[] = [
  'DATABASE_UNAVAILABLE',
  'KEYRING_UNAVAILABLE',
  'KEYRING_MISMATCH',
  'LEDGER_UNAVAILABLE',
  'POLICY_UNAVAILABLE',
];

/** What each status means to a client; its description lists the codes the route can answer with it. */
const meaning: Record<number, string> = {
  400: 'The request is malformed or invalid',
  401: 'Not signed in, or the credentials do not do',
  403: 'Signed in, but not allowed to do this',
  404: 'Not found',
  409: 'In conflict with the current state',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'Well-formed but not acceptable',
  429: 'Too many requests: retry after the seconds in the `Retry-After` header',
  500: 'Something went wrong on our side (nothing about it is told)',
  503: 'A dependency is unavailable: retry later',
};

/** The codes a route can answer: those of its shape and authentication, and those it declares. */
export function errorCodesOf(
  route: Pick<RouteOptions, 'method' | 'schema'>,
  kind: RouteAuthKind,
  declared: RouteErrors = [],
): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const schema = route.schema ?? {};
  const hasBody = [route.method].flat().some((m) => BODY_METHODS.has(m));
  if (schema.body || schema.params || schema.querystring) codes.add('VALIDATION_FAILED');
  if (hasBody)
    for (const code of ['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const)
      codes.add(code);
  for (const code of authCodes[kind] ?? []) codes.add(code); // an unknown kind fails in route-auth
  for (const code of declared) codes.add(code);
  codes.add('INTERNAL');
  for (const code of unavailable) codes.add(code);
  return [...codes];
}

/** The `response` entries for those codes, one per status, each the shared `Error` schema. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const shown = status === 500 ? '`INTERNAL`' : list.map((c) => `\`${c}\``).join(', ');
    responses[status] = {
      description: `${meaning[status] ?? 'Refused'}: ${shown}`,
      $ref: `${ErrorSchema.$id}#`,
    };
  }
  return responses;
}

/** Registers the shared `Error` schema and the hook; call before any route is registered. */
export function installOperationContract(app: FastifyInstance): void {
  app.addSchema(ErrorSchema);
  const operationIds = new Map<string, string>();
  app.addHook('onRoute', function (route) {
    if (route.schema?.hide || route.method === 'HEAD') return;
    const where = `${[route.method].flat().join(',')} ${route.url}`;
    const id = route.schema?.operationId;
    if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
      throw new Error(`${where}: every documented route needs a camelCase schema.operationId`);
    }
    const taken = operationIds.get(id);
    if (taken) throw new Error(`${where}: operationId ${id} is already ${taken}'s`);
    operationIds.set(id, where);

    const kind = routeAuthKindOf(this, route.config);
    if (!kind) {
      throw new Error(
        `${where}: no authentication here, so the route must declare config.auth (e.g. 'public')`,
      );
    }
    const errors = errorResponses(errorCodesOf(route, kind, route.config?.errors));
    route.schema = {
      ...route.schema,
      response: { ...errors, ...(route.schema?.response as object | undefined) },
    };
  });
}
