/**
 * Staff single sign-on: the OpenID Connect authorization-code flow with PKCE (S256), state and nonce.
 *
 * `start()` sends the browser to the identity provider and hands back a `pending` record that the caller keeps
 * server-side (never in the browser) until the callback; `finish()` checks the callback against it, redeems the
 * code and turns the ID token into a staff sign-in. Invariants: a pending record is accepted once, for at most
 * `pendingTtlMs`; a role comes only from the IdP's groups through an explicit mapping, never by default; and
 * `recentSecondFactor` is true only when the ID token itself says a second factor was used recently.
 */
import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { type Clock, systemClock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { type StaffRole, staffRoles } from '../staff/staff.types.ts';

export interface OidcSignInOptions {
  /** The issuer identifier; its discovery document is fetched once, on first use. */
  issuer: string | URL;
  clientId: string;
  /** For a confidential client (sent with HTTP Basic, the OpenID Connect default); omit for a public one. */
  clientSecret?: string;
  /** Exactly as registered at the identity provider. */
  redirectUri: string | URL;
  /** IdP group name → Custos role. A member of no mapped group is refused. */
  groupRoles: Readonly<Record<string, StaffRole>>;
  /** Must include `openid`; typically also `email`, `profile` and whatever releases the groups claim. */
  scopes: readonly string[];
  /** The claim holding the user's groups; default `groups`. */
  groupsClaim?: string;
  /** How long a pending sign-in stays redeemable; default 10 minutes. */
  pendingTtlMs?: number;
  /** How recent `auth_time` must be for a second factor to count; default 5 minutes. */
  secondFactorWindowMs?: number;
  /** `amr` values (RFC 8176) that prove a second factor; default mfa, otp, hwk, swk. */
  secondFactorAmr?: readonly string[];
  /** `acr` values that by themselves mean multi-factor; default the PAPE multi-factor policies. */
  secondFactorAcr?: readonly string[];
  /** Permit an `http:` issuer, on a loopback host only (local development and tests). */
  allowHttpOnLoopback?: boolean;
  clock?: Clock;
}

/** What the caller stores between `start()` and `finish()`; it is as sensitive as a session token. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Milliseconds since the epoch, from the sign-in's clock. */
  createdAt: number;
}

export interface StaffSignIn {
  /** The IdP's stable subject identifier (`sub`); key the staff record on it together with the issuer. */
  subject: string;
  email: string;
  name: string | null;
  role: StaffRole;
  /** True when the ID token's `amr`/`acr` show a second factor was used, however long ago. */
  usedSecondFactor: boolean;
  /** True only if `amr`/`acr` show a second factor and `auth_time` is within the configured window. */
  recentSecondFactor: boolean;
  /** When the user last authenticated at the IdP (ms since epoch), if it said. */
  authTime: number | null;
}

const MINUTE = 60_000;
const CLOCK_SKEW_MS = 60_000;
const defaultSecondFactorAmr = ['mfa', 'otp', 'hwk', 'swk'];
const defaultSecondFactorAcr = [
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical',
];
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Build a sign-in for one identity provider.
 *
 * @example
 * const sso = createOidcSignIn({ issuer: 'https://login.example.com', clientId: 'custos', clientSecret,
 *   redirectUri: 'https://custos.example.com/auth/oidc/callback', scopes: ['openid', 'email', 'profile'],
 *   groupRoles: { 'custos-support': 'support', 'custos-admins': 'admin' } });
 * const { url, pending } = await sso.start();          // keep `pending` server-side, redirect to `url`
 * const staff = await sso.finish({ callbackUrl: request.url, pending }); // then delete `pending`
 */
export function createOidcSignIn(options: OidcSignInOptions) {
  const settings = parseOptions(options);
  const clock = options.clock ?? systemClock;
  /** States already presented, until their pending record would have expired anyway. */
  const usedStates = new Map<string, number>();
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= discover(options, settings).catch((error: unknown) => {
      discovered = undefined; // a failed discovery is retried on the next sign-in, not cached
      throw error;
    });
    return discovered;
  }

  function burnState(state: string): void {
    const now = clock.now();
    for (const [seen, expiresAt] of usedStates) if (expiresAt <= now) usedStates.delete(seen);
    if (usedStates.has(state)) throw invalid('This sign-in has already been used; start again');
    usedStates.set(state, now + settings.pendingTtlMs + CLOCK_SKEW_MS);
  }

  return {
    /** Begin a sign-in: the URL to redirect the browser to, and the record to keep until the callback. */
    async start(): Promise<{ url: URL; pending: PendingSignIn }> {
      const config = await configuration();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        createdAt: clock.now(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri.href,
        scope: settings.scopes,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, pending };
    },

    /**
     * Complete a sign-in from the IdP's redirect. AUTH_INVALID for a missing or wrong state, an expired or
     * reused pending record, or anything the IdP or the token checks reject; FORBIDDEN when no group maps to
     * a role. Only the callback's query is read: it is applied to the registered redirect URI.
     */
    async finish(input: { callbackUrl: string | URL; pending: PendingSignIn }): Promise<StaffSignIn> {
      const { pending } = input;
      if (!isPending(pending)) throw invalid('The sign-in attempt is not valid; start again');
      const now = clock.now();
      if (now - pending.createdAt > settings.pendingTtlMs || pending.createdAt - now > CLOCK_SKEW_MS) {
        throw invalid('The sign-in attempt has expired; start again');
      }
      const response = callbackParameters(input.callbackUrl);
      const state = response.get('state');
      if (state === null || !sameSecret(state, pending.state)) {
        throw invalid('The sign-in response does not match this sign-in attempt');
      }
      burnState(pending.state);

      const config = await configuration();
      const currentUrl = new URL(settings.redirectUri);
      currentUrl.search = response.toString();
      const tokens = await rejectAsInvalid(() =>
        client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        }),
      );
      const idToken = tokens.claims();
      if (!idToken) throw invalid('The identity provider did not return an ID token');

      let claims: Record<string, unknown> = idToken;
      const lacking = ['email', settings.groupsClaim].some((claim) => idToken[claim] === undefined);
      if (lacking && config.serverMetadata().userinfo_endpoint !== undefined) {
        // Many IdPs put only authentication facts in the ID token and profile claims in UserInfo; the
        // authentication facts (amr, acr, auth_time) are still read from the ID token alone.
        const userInfo = await rejectAsInvalid(() =>
          client.fetchUserInfo(config, tokens.access_token, idToken.sub),
        );
        claims = { ...userInfo, ...idToken };
      }

      const email = claims.email;
      if (typeof email !== 'string' || email === '' || claims.email_verified === false) {
        throw invalid('The identity provider did not release a verified email address');
      }
      const authTime = typeof idToken.auth_time === 'number' ? idToken.auth_time * 1000 : null;
      const secondFactor = usedSecondFactor(idToken, settings);
      return {
        subject: idToken.sub,
        email,
        name: typeof claims.name === 'string' && claims.name !== '' ? claims.name : null,
        role: roleFor(claims[settings.groupsClaim], settings.groupRoles),
        usedSecondFactor: secondFactor,
        recentSecondFactor: secondFactor && isRecent(authTime, now, settings),
        authTime,
      };
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;

type Settings = ReturnType<typeof parseOptions>;

function parseOptions(options: OidcSignInOptions) {
  const problem = (message: string) => new CustosError('CONFIG_INVALID', `Single sign-on: ${message}`);
  const issuer = parseUrl(options.issuer, 'issuer', problem);
  const redirectUri = parseUrl(options.redirectUri, 'redirectUri', problem);
  if (issuer.protocol === 'http:' && !(options.allowHttpOnLoopback && loopbackHosts.has(issuer.hostname))) {
    throw problem('the issuer must use https');
  }
  if (options.clientId === '') throw problem('clientId is required');
  if (!options.scopes.includes('openid')) throw problem('scopes must include openid');
  const groupRoles = new Map<string, StaffRole>();
  for (const [group, role] of Object.entries(options.groupRoles)) {
    if (!(staffRoles as readonly string[]).includes(role))
      throw problem(`group ${group} maps to an unknown role`);
    groupRoles.set(group, role);
  }
  if (groupRoles.size === 0) throw problem('groupRoles must map at least one group');
  const pendingTtlMs = options.pendingTtlMs ?? 10 * MINUTE;
  const secondFactorWindowMs = options.secondFactorWindowMs ?? 5 * MINUTE;
  if (!(pendingTtlMs > 0) || !(secondFactorWindowMs > 0)) throw problem('time windows must be positive');
  return {
    issuer,
    redirectUri,
    scopes: options.scopes.join(' '),
    groupsClaim: options.groupsClaim ?? 'groups',
    groupRoles,
    pendingTtlMs,
    secondFactorWindowMs,
    secondFactorAmr: new Set(options.secondFactorAmr ?? defaultSecondFactorAmr),
    secondFactorAcr: new Set(options.secondFactorAcr ?? defaultSecondFactorAcr),
    insecure: issuer.protocol === 'http:',
  };
}

function parseUrl(value: string | URL, name: string, problem: (message: string) => CustosError): URL {
  try {
    return new URL(value);
  } catch {
    throw problem(`${name} is not a URL`);
  }
}

async function discover(options: OidcSignInOptions, settings: Settings): Promise<client.Configuration> {
  const metadata: Partial<client.ClientMetadata> = {
    redirect_uris: [settings.redirectUri.href],
    response_types: ['code'],
    ...(options.clientSecret === undefined ? {} : { client_secret: options.clientSecret }),
  };
  const authentication =
    options.clientSecret === undefined ? client.None() : client.ClientSecretBasic(options.clientSecret);
  let config: client.Configuration;
  try {
    config = await client.discovery(settings.issuer, options.clientId, metadata, authentication, {
      execute: settings.insecure ? [client.allowInsecureRequests] : [],
    });
  } catch (error) {
    throw new CustosError('INTERNAL', 'The identity provider could not be reached', { cause: error });
  }
  const methods = config.serverMetadata().code_challenge_methods_supported;
  if (methods !== undefined && !methods.includes('S256')) {
    throw new CustosError(
      'CONFIG_INVALID',
      'Single sign-on: the identity provider does not support PKCE S256',
    );
  }
  return config;
}

/** The callback's query parameters; the rest of the URL is ignored, since it may have been rewritten by a proxy. */
function callbackParameters(callbackUrl: string | URL): URLSearchParams {
  try {
    return new URL(callbackUrl, 'https://callback.invalid').searchParams;
  } catch {
    throw invalid('The sign-in response is not valid');
  }
}

/** Protocol rejections become AUTH_INVALID; an unreachable IdP stays a server-side failure. */
async function rejectAsInvalid<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const rejected =
      error instanceof client.AuthorizationResponseError ||
      error instanceof client.ResponseBodyError ||
      error instanceof client.WWWAuthenticateChallengeError ||
      (error instanceof client.ClientError && error.code !== undefined && !/TIMEOUT|ABORT/.test(error.code));
    if (rejected) throw invalid('The identity provider did not confirm this sign-in', error);
    throw new CustosError('INTERNAL', 'The identity provider could not be reached', { cause: error });
  }
}

function roleFor(groups: unknown, groupRoles: ReadonlyMap<string, StaffRole>): StaffRole {
  const names = typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups : [];
  const roles = new Set<StaffRole>();
  for (const name of names) {
    const role = typeof name === 'string' ? groupRoles.get(name) : undefined;
    if (role !== undefined) roles.add(role);
  }
  // Staff hold exactly one role; guessing between two would either over- or under-privilege them.
  const [role, ...others] = roles;
  if (role === undefined) throw new CustosError('FORBIDDEN', 'No Custos role is assigned to this account');
  if (others.length > 0)
    throw new CustosError('FORBIDDEN', 'This account is assigned more than one Custos role');
  return role;
}

function usedSecondFactor(idToken: client.IDToken, settings: Settings): boolean {
  const amr: unknown = idToken.amr;
  if (Array.isArray(amr) && amr.some((method) => settings.secondFactorAmr.has(method))) return true;
  return typeof idToken.acr === 'string' && settings.secondFactorAcr.has(idToken.acr);
}

function isRecent(authTime: number | null, now: number, settings: Settings): boolean {
  if (authTime === null) return false;
  return now - authTime <= settings.secondFactorWindowMs && authTime - now <= CLOCK_SKEW_MS;
}

function isPending(value: unknown): value is PendingSignIn {
  if (typeof value !== 'object' || value === null) return false;
  const { state, nonce, codeVerifier, createdAt } = value as Record<string, unknown>;
  return (
    [state, nonce, codeVerifier].every((s) => typeof s === 'string' && s !== '') && Number.isFinite(createdAt)
  );
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function invalid(message: string, cause?: unknown): CustosError {
  return new CustosError('AUTH_INVALID', message, cause === undefined ? {} : { cause });
}
