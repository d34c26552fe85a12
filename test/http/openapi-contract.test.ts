/**
 * `/openapi.json` is a contract a client can be generated from. The real server's document — single sign-on
 * configured, so its routes are in it — passes Redocly's `recommended` rules (`redocly.yaml`) with no error
 * and no warning but the few listed below, each with its reason; every operation has a stable operationId,
 * a security requirement, a success answer and its error answers under the shared `Error` schema; and
 * documenting the error answers changed none of them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorSchema } from '../../src/http/error-schema.ts';
import { installOperationContract } from '../../src/http/operation-contract.ts';
import { buildServer } from '../../src/http/server.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Operations that cannot answer a 4xx: no input, no credentials. Redocly warns; the warning is the truth. */
const noClientError: Record<string, string> = {
  checkLiveness: 'answers 200 whatever is sent',
  checkReadiness: 'answers 200 or 503 whatever is sent',
  getLedgerKey: 'answers the key whatever is sent',
  startStaffSso: 'answers a redirect, or a 5xx if the identity provider cannot be reached',
  getExportSchema: 'answers the published JSON Schema whatever is sent',
};
/** Warnings that stay, by rule (and operation), with why. Any other warning fails the test. */
const acceptedWarnings: Record<string, string> = {
  'info-license-strict': 'Custos is UNLICENSED (proprietary): there is no licence URL to give',
  'operation-2xx-response startStaffSso':
    'single sign-on starts with a 302 to the identity provider, by design',
  ...Object.fromEntries(
    Object.entries(noClientError).map(([id, why]) => [`operation-4xx-response ${id}`, why]),
  ),
};
/** Exactly these operations are public (explicit `security: []`); any other needs credentials. */
const publicOperations = [
  'checkLiveness',
  'checkReadiness',
  'getLedgerCheckpoint',
  'getLedgerKey',
  'getInclusionProof',
  'getConsistencyProof',
  'acceptInvitationStaff',
  'acceptInvitationCustomer',
  'signInStaff',
  'signInCustomer',
  'passkeySignInOptionsStaff',
  'passkeySignInOptionsCustomer',
  'signInWithPasskeyStaff',
  'signInWithPasskeyCustomer',
  'startStaffSso',
  'finishStaffSso',
  'getExportSchema',
];

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

function operations(doc: Document): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

/** The operation a problem's JSON pointer is inside (`#/paths/~1v1~1cases/post/…`), if any. */
function operationAt(doc: Document, pointer: string): string | undefined {
  const [paths, path, method] = pointer.replace(/^#\//, '').split('/');
  if (paths !== 'paths' || !path || !method) return undefined;
  const decoded = path.replace(/~1/g, '/').replace(/~0/g, '~');
  return doc.paths[decoded]?.[method]?.operationId;
}

/** Runs Redocly CLI on the document with the repository's `redocly.yaml`; its problems, as JSON. */
function redoclyLint(doc: Document): { errors: number; problems: Problem[] } {
  const dir = mkdtempSync(join(tmpdir(), 'custos-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const run = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/@redocly/cli/bin/cli.js'),
        'lint',
        file,
        '--config',
        join(repo, 'redocly.yaml'),
        '--format=json',
        '--max-problems=1000',
      ],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const start = run.stdout.indexOf('{');
    assert.ok(start >= 0, `redocly printed no report (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
    const report = JSON.parse(run.stdout.slice(start)) as { totals: { errors: number }; problems: Problem[] };
    return { errors: report.totals.errors, problems: report.problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI contract', () => {
  let t: TestCustos;
  let app: FastifyInstance;
  let doc: Document;
  before(async () => {
    t = await testCustos('sqlite', {
      env: {
        CUSTOS_PUBLIC_ORIGIN: 'https://vault.custos.test',
        // Discovery is lazy: the routes exist without an identity provider to answer.
        CUSTOS_OIDC_ISSUER: 'http://127.0.0.1:9/idp',
        CUSTOS_OIDC_CLIENT_ID: 'custos',
        CUSTOS_OIDC_GROUP_ROLES: 'custos-support=support',
      },
    });
    app = await buildServer(t.custos.server());
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  test('passes Redocly recommended with no error and only the accepted warnings', () => {
    const { errors, problems } = redoclyLint(doc);
    const describe = (p: Problem) => {
      const at = p.location[0]?.pointer ?? '';
      return `${p.severity} ${p.ruleId} ${operationAt(doc, at) ?? at}: ${p.message}`;
    };
    assert.equal(errors, 0, `Redocly errors:\n${problems.map(describe).join('\n')}`);
    const unexpected = problems.filter((p) => {
      const at = operationAt(doc, p.location[0]?.pointer ?? '');
      return !(p.ruleId in acceptedWarnings || `${p.ruleId} ${at}` in acceptedWarnings);
    });
    assert.deepEqual(unexpected.map(describe), [], 'warnings beyond the accepted ones');
  });

  test('every operation has a unique camelCase operationId, security, a 2xx and its 4xx', () => {
    const seen = new Set<string>();
    const ops = operations(doc);
    assert.ok(ops.length >= 76, `only ${ops.length} operations: are the SSO routes missing?`);
    for (const [where, op] of ops) {
      assert.match(op.operationId ?? '', /^[a-z][a-zA-Z0-9]*$/, `${where}: operationId`);
      assert.ok(!seen.has(op.operationId as string), `${where}: operationId ${op.operationId} is taken`);
      seen.add(op.operationId as string);
      assert.ok(Array.isArray(op.security), `${where}: no security requirement`);
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2') || s.startsWith('3')),
        `${where}: no success answer`,
      );
      if (!(op.operationId! in noClientError)) {
        assert.ok(
          statuses.some((s) => s.startsWith('4')),
          `${where}: no 4xx answer`,
        );
      }
    }
  });

  test('exactly the public operations have an empty security requirement', () => {
    const open = operations(doc)
      .filter(([, op]) => op.security?.length === 0)
      .map(([, op]) => op.operationId);
    assert.deepEqual(open.sort(), [...publicOperations].sort());
  });

  test('every error answer is the shared Error schema (but /readyz says why it is not ready)', () => {
    for (const [where, op] of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || (where === 'GET /readyz' && status === '503')) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        assert.equal(ref, '#/components/schemas/Error', `${where} ${status}`);
      }
    }
  });

  test('error answers are serialised whole under that schema, details included', async () => {
    const invalid = await app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { login: 'someone@custos.test', password: 42 },
    });
    assert.equal(invalid.statusCode, 400);
    const body = invalid.json();
    assert.ok(Value.Check(ErrorSchema, body), invalid.body);
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(body.error.details, [{ path: 'body.password', problem: 'must be string' }]);
    for (const [url, status] of [
      ['/v1/cases', 401],
      ['/v1/ledger/entries/1', 401],
    ] as const) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, status, url);
      assert.ok(Value.Check(ErrorSchema, res.json()), res.body);
      assert.deepEqual(Object.keys(res.json().error), ['code', 'message', 'requestId']);
    }
  });

  test('start-up fails on a route without an operationId or with a taken one', async () => {
    const bare = Fastify();
    installOperationContract(bare);
    const handler = async () => ({});
    bare.get('/a', { config: { auth: 'public' }, schema: { operationId: 'getA' } }, handler);
    assert.throws(
      () => bare.get('/b', { config: { auth: 'public' }, schema: {} }, handler),
      /GET \/b: every documented route needs a camelCase schema.operationId/,
    );
    assert.throws(
      () => bare.get('/c', { config: { auth: 'public' }, schema: { operationId: 'getA' } }, handler),
      /GET \/c: operationId getA is already GET \/a's/,
    );
    assert.throws(
      () => bare.get('/d', { schema: { operationId: 'getD' } }, handler),
      /GET \/d: no authentication here/,
    );
    bare.get('/e', { schema: { hide: true } }, handler);
    await bare.close();
  });
});
