/**
 * A real OpenID Provider (the `oidc-provider` package) on a random localhost port, for sign-on tests.
 *
 * Its login and consent pages are replaced by a tiny JSON interaction: GET /interaction/:uid names the prompt,
 * POST /interaction/:uid answers it (`login=<account id>` or an empty consent). `signInAt()` plays the browser:
 * it follows redirects with a cookie jar, answers both prompts and returns the redirect back to Custos.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestAccount {
  sub: string;
  email: string;
  name: string;
  groups: string[];
  /** Authentication methods (RFC 8176) the IdP reports for the login. */
  amr: string[];
  /** Seconds since the epoch; default now. */
  authTime?: number;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Drive a login as `accountId` and consent from the authorization URL; the callback URL Custos would get. */
  signInAt(authorizationUrl: URL, accountId: string): Promise<string>;
  /** How many times the discovery document has been fetched. */
  discoveries(): number;
  close(): Promise<void>;
}

/** Only the parts of oidc-provider these tests use; the package ships no types. */
interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{
    prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
    params: { client_id: string };
    session?: { accountId?: string };
    grantId?: string;
  }>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  };
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => Provider;

const providerModule = 'oidc-provider';

export async function startTestProvider(accounts: TestAccount[]): Promise<TestProvider> {
  const { default: OidcProvider } = (await import(providerModule)) as { default: ProviderClass };
  const byId = new Map(accounts.map((account) => [account.sub, account]));
  const clientId = 'custos';
  const clientSecret = randomBytes(32).toString('base64url');
  const redirectUri = 'https://custos.test/auth/oidc/callback';

  type Route = (req: IncomingMessage, res: ServerResponse) => void;
  // The issuer names the port, so the server listens before the provider exists; until then it answers 503.
  let route: Route = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => route(req, res));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        require_auth_time: true,
      },
    ],
    jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: 'test-signing-key' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 600,
      Grant: 600,
      AuthorizationCode: 60,
      AccessToken: 600,
      IdToken: 600,
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // amr is not among the provider's default claims, and it releases a claim only for a scope (or a claims
    // request) that names it; so, like most enterprise IdPs, release amr and acr with every openid sign-in.
    claims: {
      amr: null,
      acr: null,
      auth_time: null,
      sid: null,
      iss: null,
      openid: ['sub', 'amr', 'acr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    findAccount(_ctx: unknown, sub: string) {
      const account = byId.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
          groups: account.groups,
        }),
      };
    },
  });
  const handle = provider.callback();
  let discoveries = 0;
  route = (req, res) => {
    if (req.url === '/.well-known/openid-configuration') discoveries += 1;
    if (req.url?.startsWith('/interaction/')) {
      interact(provider, byId, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } else {
      handle(req, res);
    }
  };

  return {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    signInAt: (url, accountId) => playBrowser(url, accountId, redirectUri),
    discoveries: () => discoveries,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The IdP's side of the login and consent prompts. */
async function interact(
  provider: Provider,
  accounts: ReadonlyMap<string, TestAccount>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ prompt: prompt.name }));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  if (prompt.name === 'login') {
    const account = accounts.get(form.get('login') ?? '');
    const result = account
      ? {
          login: {
            accountId: account.sub,
            amr: account.amr,
            ts: account.authTime ?? Math.floor(Date.now() / 1000),
          },
        }
      : { error: 'access_denied', error_description: 'unknown account' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  if (grantId) throw new Error('this test provider grants once per session');
  const grant = new provider.Grant({ accountId: session?.accountId ?? '', clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A browser without a screen: follows redirects, keeps cookies, answers each prompt, stops at Custos. */
async function playBrowser(authorizationUrl: URL, accountId: string, redirectUri: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };

  let url = authorizationUrl;
  for (let hop = 0; hop < 12; hop += 1) {
    let response = await send(url);
    if (url.pathname.startsWith('/interaction/') && response.status === 200) {
      const { prompt } = (await response.json()) as { prompt: string };
      const form = prompt === 'login' ? new URLSearchParams({ login: accountId }) : new URLSearchParams();
      response = await send(url, { method: 'POST', body: form });
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`the provider stopped at ${url.pathname} with ${response.status}`);
    const next = new URL(location, url);
    if (next.href.startsWith(redirectUri)) return next.href;
    url = next;
  }
  throw new Error('too many redirects');
}
