/**
 * Bad input never reaches the database as a 500 (issue 13, finding 5). A bounded fuzz over EVERY operation of
 * `/openapi.json`, against a real server listening on loopback, on SQLite and PostgreSQL, signed in as the
 * route asks (admin token, staff of two roles, a portal customer) so the input gets past authentication:
 *
 *   - each path parameter and each declared query parameter set to NUL, control characters, a C1 control,
 *     invalid percent-encoding and UTF-8, SQL-ish text, overlong text, right-to-left and astral characters,
 *     and a well-formed id that does not exist;
 *   - each string of a schema-shaped body set to the same (JSON can carry NUL and lone surrogates), each value
 *     given the wrong type, and whole bodies malformed (not JSON, an array, a NUL in a key, deep nesting);
 *   - the cookies Custos reads, and the inputs a route reads without declaring them (the OIDC callback's
 *     query: single sign-on is configured against a real provider so that its routes are in the table);
 *   - an undeclared query parameter, a cookie and an undeclared body key holding NUL, on every route.
 *
 * Every answer must be below 500 and carry an error code when it is not a success; a NUL or a control
 * character anywhere must be a 400 VALIDATION_FAILED, whatever the route and whoever asks.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { signInCustomer } from '../support/customer-session.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { dialects } from '../support/databases.ts';
import { fetchSend, signInStaff } from '../support/staff-session.ts';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Operation {
  method: string;
  path: string;
  params: string[];
  query: string[];
  body: Schema | undefined;
  security: string[];
}
interface Probe {
  what: string;
  url: string;
  body?: string;
  /** A `Cookie` header, already encoded. */
  cookie?: string;
  /** The input carries a control character or ill-formed text: the answer must be 400 VALIDATION_FAILED. */
  mustRefuse: boolean;
}

/** Path and query values, already percent-encoded; `refuse` when they decode to a control character. */
const urlValues: Array<{ what: string; encoded: string; refuse: boolean }> = [
  { what: 'NUL', encoded: 'abc%00def', refuse: true },
  { what: 'C0 controls', encoded: '%01a%0A%1B%7F', refuse: true },
  { what: 'C1 control', encoded: 'a%C2%85b', refuse: true },
  { what: 'SQL quote', encoded: encodeURIComponent("' OR '1'='1' --"), refuse: false },
  { what: 'SQL statement', encoded: encodeURIComponent('1); DROP TABLE cases; --'), refuse: false },
  { what: 'overlong', encoded: 'a'.repeat(4000), refuse: false },
  { what: 'just over a schema limit', encoded: 'a'.repeat(90), refuse: false },
  { what: 'astral and RTL', encoded: encodeURIComponent('𠮷\u202eabc'), refuse: false },
  { what: 'invalid UTF-8', encoded: '%ED%A0%80%FF', refuse: false },
  { what: 'bad escape', encoded: '%zz', refuse: false },
  { what: 'dot segments', encoded: '..%2F..%2Fetc', refuse: false },
  { what: 'unknown id', encoded: randomUUID(), refuse: false },
];

/** String values inside JSON bodies; `refuse` as above. */
const bodyStrings: Array<{ what: string; value: string; refuse: boolean }> = [
  { what: 'NUL', value: 'abc\u0000def', refuse: true },
  { what: 'C0 controls', value: '\u0001\u001b\u007f', refuse: true },
  { what: 'lone surrogate', value: 'a\ud800b', refuse: true },
  { what: 'SQL quote', value: "' OR '1'='1' --", refuse: false },
  { what: 'overlong', value: 'a'.repeat(70_000), refuse: false },
  { what: 'astral and RTL', value: '𠮷\u202eabc\n', refuse: false },
  { what: 'unknown id', value: randomUUID(), refuse: false },
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Every cookie Custos reads; a NUL in any of them must be refused like one in the query. */
const COOKIES = ['custos_session', 'custos_portal_session', 'custos_passkey_challenge', 'custos_oidc'];
/** Inputs a route reads without declaring them in its schema (the OIDC callback parses its own URL). */
const undeclared: Record<string, { query?: string[]; cookies?: string[] }> = {
  'GET /v1/auth/oidc/callback': { query: ['code', 'state', 'iss'], cookies: ['custos_oidc'] },
  'POST /v1/auth/passkeys/sign-in/verify': { cookies: ['custos_passkey_challenge'] },
  'POST /v1/portal/passkeys/sign-in/verify': { cookies: ['custos_passkey_challenge'] },
};
const UUID_PATTERN_MARK = '{8}-';

function resolve(schema: Schema | undefined, components: Record<string, Schema>): Schema | undefined {
  const ref = schema?.$ref as string | undefined;
  return ref ? components[ref.replace('#/components/schemas/', '')] : schema;
}

/** A value of the schema's shape (not necessarily one the service accepts): enough to reach the handler. */
function sample(schema: Schema | undefined, components: Record<string, Schema>, depth = 0): unknown {
  const s = resolve(schema, components) ?? {};
  if (depth > 6) return null;
  if (s.anyOf) return sample(s.anyOf[0], components, depth + 1);
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const props = Object.entries<Schema>(s.properties ?? {});
      const required = new Set<string>(s.required ?? []);
      props.sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
      const kept = props.slice(0, s.maxProperties ?? props.length);
      return Object.fromEntries(kept.map(([k, v]) => [k, sample(v, components, depth + 1)]));
    }
    case 'array':
      return [sample(s.items, components, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'string':
      if (typeof s.pattern === 'string' && s.pattern.includes(UUID_PATTERN_MARK)) return randomUUID();
      if (typeof s.pattern === 'string' && s.pattern.startsWith('^[0-9]')) return '1';
      return 'x';
    default:
      return 'x';
  }
}

/** Paths of every leaf of `value` (at most `limit`), as arrays of keys. */
function leaves(value: unknown, limit = 12, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [at];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => leaves(v, limit, [...at, k])).slice(0, limit);
}

function withLeaf(value: unknown, path: Array<string | number>, leaf: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string] = leaf;
  return copy;
}

function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters: Schema[] = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema,
        security: (op.security ?? []).flatMap((s: Schema) => Object.keys(s)),
      });
    }
  }
  return ops;
}

function probesOf(op: Operation, components: Record<string, Schema>): Probe[] {
  const fill = (values: Record<string, string>) =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? randomUUID());
  const plainUrl = fill({});
  const baseBody = op.body ? sample(op.body, components) : undefined;
  const json = (value: unknown) => JSON.stringify(value);
  const bodyFor = baseBody === undefined ? undefined : json(baseBody);
  const probes: Probe[] = [];
  for (const name of op.params) {
    for (const v of urlValues) {
      probes.push({
        what: `path ${name}: ${v.what}`,
        url: fill({ [name]: v.encoded }),
        body: bodyFor,
        mustRefuse: v.refuse,
      });
    }
  }
  const extra = undeclared[`${op.method} ${op.path}`] ?? {};
  for (const name of extra.cookies ?? []) {
    for (const v of urlValues) {
      probes.push({
        what: `cookie ${name}: ${v.what}`,
        url: plainUrl,
        body: bodyFor,
        cookie: `${name}=${v.encoded}`,
        mustRefuse: v.refuse,
      });
    }
  }
  for (const name of [...op.query, ...(extra.query ?? [])]) {
    for (const v of urlValues) {
      probes.push({
        what: `query ${name}: ${v.what}`,
        url: `${plainUrl}?${name}=${v.encoded}`,
        body: bodyFor,
        mustRefuse: v.refuse,
      });
    }
  }
  probes.push({ what: 'undeclared query NUL', url: `${plainUrl}?zz=%00`, body: bodyFor, mustRefuse: true });
  probes.push({
    what: 'session cookies NUL',
    url: plainUrl,
    body: bodyFor,
    cookie: COOKIES.map((name) => `${name}=abc%00def`).join('; '),
    mustRefuse: true,
  });
  if (op.method !== 'GET') {
    probes.push({
      what: 'undeclared body key NUL',
      url: plainUrl,
      body: json({ zz: 'a\u0000b' }),
      mustRefuse: true,
    });
    probes.push({
      what: 'NUL in a body key',
      url: plainUrl,
      body: json({ 'a\u0000b': 1 }),
      mustRefuse: true,
    });
  }
  if (baseBody !== undefined) {
    probes.push({ what: 'body as sampled', url: plainUrl, body: json(baseBody), mustRefuse: false });
    for (const leaf of leaves(baseBody)) {
      const where = leaf.join('.');
      for (const v of bodyStrings) {
        probes.push({
          what: `body ${where}: ${v.what}`,
          url: plainUrl,
          body: json(withLeaf(baseBody, leaf, v.value)),
          mustRefuse: v.refuse,
        });
      }
      probes.push({
        what: `body ${where}: a number`,
        url: plainUrl,
        body: json(withLeaf(baseBody, leaf, 1e308)),
        mustRefuse: false,
      });
      probes.push({
        what: `body ${where}: an object`,
        url: plainUrl,
        body: json(withLeaf(baseBody, leaf, { $gt: '' })),
        mustRefuse: false,
      });
    }
    probes.push({ what: 'body not JSON', url: plainUrl, body: "{'a': 1", mustRefuse: false });
    probes.push({ what: 'body an array', url: plainUrl, body: json([baseBody]), mustRefuse: false });
    probes.push({ what: 'body null', url: plainUrl, body: 'null', mustRefuse: false });
    probes.push({
      what: 'body deeply nested',
      url: plainUrl,
      body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      mustRefuse: false,
    });
  }
  return probes;
}

for (const { dialect, skip } of await dialects()) {
  describe(`no input reaches the database as a 500: every route fuzzed (${dialect})`, { skip }, () => {
    let idp: TestProvider;
    let t: TestCustos;
    let app: FastifyInstance;
    let base: string;
    let doc: Schema;
    const credentials: Record<string, string[]> = {};

    before(async () => {
      // Single sign-on configured against a real provider, so its routes are in the table too.
      idp = await startTestProvider([
        {
          sub: 'ann',
          email: 'ann@custos.test',
          name: 'Ann',
          groups: ['custos-support'],
          amr: ['pwd', 'otp'],
        },
      ]);
      t = await testCustos(dialect, {
        env: {
          CUSTOS_OIDC_ISSUER: idp.issuer,
          CUSTOS_OIDC_CLIENT_ID: idp.clientId,
          CUSTOS_OIDC_CLIENT_SECRET: idp.clientSecret,
          CUSTOS_OIDC_REDIRECT_URI: idp.redirectUri,
          CUSTOS_OIDC_GROUP_ROLES: 'custos-support=support',
          CUSTOS_OIDC_SCOPES: 'openid email profile groups',
        },
      });
      app = await buildServer(t.custos.server());
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      const send = fetchSend(base);
      const support = await signInStaff(send, t.adminToken, { role: 'support' });
      const admin = await signInStaff(send, t.adminToken, { role: 'admin' });
      const customer = await signInCustomer(send, support, { inbox: t });
      credentials.adminToken = [t.adminToken];
      credentials.staffSession = [support.token, admin.token];
      credentials.customerSession = [customer.token];
      doc = (await (await fetch(`${base}/openapi.json`)).json()) as Schema;
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
      await idp?.close();
    });

    test('every operation: never a 500, always a code, NUL and control characters a 400', async () => {
      const components = (doc.components?.schemas ?? {}) as Record<string, Schema>;
      const operations = operationsOf(doc);
      assert.ok(
        operations.some((op) => op.path === '/v1/auth/oidc/callback'),
        'single sign-on routes are fuzzed too',
      );
      assert.ok(operations.length >= 70, `the route table has ${operations.length} operations`);
      const failures: string[] = [];
      const queue: Array<{ op: Operation; probe: Probe; token: string | undefined }> = [];
      for (const op of operations) {
        const hasInput = op.params.length + op.query.length > 0 || op.body !== undefined;
        // Routes with no input of their own (sign-out, TOTP enrolment, …) are probed unauthenticated, so the
        // fuzz does not end or re-enrol the sessions it works with; the guard answers before authentication.
        const kind = op.security.find((s) => credentials[s]);
        const tokens = hasInput && kind ? (credentials[kind] as string[]) : [undefined];
        probesOf(op, components).forEach((probe, i) => {
          // Staff routes alternate between the two staff members: each input reaches the route once.
          queue.push({ op, probe, token: tokens[i % tokens.length] });
        });
      }
      for (const { op, probe, token } of queue) {
        const response = await fetch(`${base}${probe.url}`, {
          method: op.method,
          headers: {
            ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(probe.cookie ? { cookie: probe.cookie } : {}),
          },
          body: probe.body,
        });
        const text = await response.text();
        const where = `${op.method} ${op.path} — ${probe.what}${token ? '' : ' (no credentials)'}`;
        let code: unknown;
        try {
          code = text ? (JSON.parse(text) as { error?: { code?: unknown } }).error?.code : undefined;
        } catch {
          code = undefined;
        }
        if (response.status >= 500) failures.push(`${where}: ${response.status} ${text.slice(0, 200)}`);
        else if (response.status >= 400 && typeof code !== 'string')
          failures.push(`${where}: ${response.status} without an error code`);
        else if (probe.mustRefuse && (response.status !== 400 || code !== 'VALIDATION_FAILED'))
          failures.push(`${where}: ${response.status} ${String(code)}, not 400 VALIDATION_FAILED`);
      }
      assert.ok(queue.length > 1000, `${queue.length} requests`);
      assert.deepEqual(failures, []);
    });
  });
}
