/** The HTTP API through app.inject(): auth, the customer routes, error mapping, docs, health and metrics. */
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { signInStaff } from '../support/staff-session.ts';

describe('HTTP API', () => {
  let t: TestCustos;
  let app: FastifyInstance;
  let auth: { authorization: string };
  before(async () => {
    t = await testCustos('sqlite');
    app = await buildServer(t.custos.server());
    const staff = await signInStaff(async (method, url, body, headers) => {
      const res = await app.inject({ method: method as 'POST', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    }, t.adminToken);
    auth = { authorization: `Bearer ${staff.token}` };
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  const newCase = { purpose: 'repair', channel: 'counter' };
  const create = (customer: unknown, headers: Record<string, string> = auth) =>
    app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers,
      payload: { customer, case: newCase } as object,
    });

  test('customer routes need a staff session with a completed second factor; the admin token is not one', async () => {
    const none = await app.inject({
      method: 'GET',
      url: '/v1/cases/01a20856-8bfa-73cd-b677-728695ea8377/customer',
    });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'AUTH_REQUIRED');
    for (const authorization of [
      'Bearer css_nope',
      'Basic abc',
      `Bearer ${t.adminToken}`,
      `${auth.authorization}x`,
      'Bearer',
    ]) {
      const bad = await create({ name: 'X' }, { authorization });
      assert.equal(bad.statusCode, 401, authorization);
      assert.equal(bad.json().error.code, 'AUTH_INVALID');
    }
  });

  test('register (with its case), read, correct and search answer with masked views only', async () => {
    const created = await create({
      name: 'Zhang Wei',
      phone: '13800138000',
      email: 'wei@example.com',
      account_id: 'MI1',
    });
    assert.equal(created.statusCode, 201);
    const view = created.json().customer;
    const caseId = created.json().case.id;
    assert.equal(created.json().case.customerId, view.id);
    assert.equal(view.fields.phone, '+86 138 **** 8000');
    assert.ok(!created.body.includes('13800138000') && !created.body.includes('wei@'));

    const read = await app.inject({ method: 'GET', url: `/v1/cases/${caseId}/customer`, headers: auth });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), view);

    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/cases/${caseId}/customer?version=1`,
      headers: auth,
      payload: { address: '88 Jianguo Road, Chaoyang, Beijing' },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().fields.address, 'Beijing ***');
    const stale = await app.inject({
      method: 'PATCH',
      url: `/v1/cases/${caseId}/customer?version=1`,
      headers: auth,
      payload: { address: '1 Other Road, Shanghai' },
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().error.code, 'VERSION_CONFLICT');

    const found = await app.inject({
      method: 'POST',
      url: '/v1/customers/search',
      headers: auth,
      payload: { by: 'phone', value: '+86 138 0013 8000' },
    });
    assert.equal(found.statusCode, 200);
    assert.deepEqual(
      found.json().results.map((r: { id: string }) => r.id),
      [view.id],
    );
    const dup = await create({ name: 'Again', account_id: 'mi1' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'DUPLICATE_CUSTOMER');
  });

  test('bad input gets a 4xx with a stable code, never a 500', async () => {
    const cases: Array<[string, () => Promise<LightMyRequestResponse>, number, string]> = [
      ['unknown field', () => create({ name: 'A', shoe_size: '42' }), 400, 'VALIDATION_FAILED'],
      [
        'unknown purpose',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/customers',
            headers: auth,
            payload: { customer: { name: 'A' }, case: { purpose: 'curiosity', channel: 'counter' } },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      ['wrong type', () => create({ name: 42 }), 400, 'VALIDATION_FAILED'],
      ['bad phone', () => create({ name: 'A', phone: '123' }), 400, 'VALIDATION_FAILED'],
      ['array body', () => create([1, 2]), 400, 'VALIDATION_FAILED'],
      [
        'broken JSON',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/customers',
            headers: { ...auth, 'content-type': 'application/json' },
            payload: '{"name":',
          }),
        400,
        'BAD_REQUEST',
      ],
      [
        'wrong media type',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/customers',
            headers: { ...auth, 'content-type': 'text/csv' },
            payload: 'a,b',
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'body too large',
        () => create({ name: 'A', attributes: { note: 'x'.repeat(400) }, address: 'y'.repeat(2 << 20) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'search by name',
        () =>
          app.inject({
            method: 'POST',
            url: '/v1/customers/search',
            headers: auth,
            payload: { by: 'name', value: 'x' },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'malformed id',
        () => app.inject({ method: 'GET', url: "/v1/cases/' or 1=1 --/customer", headers: auth }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'unknown id',
        () =>
          app.inject({
            method: 'GET',
            url: '/v1/cases/01a20856-8bfa-73cd-b677-728695ea8377/customer',
            headers: auth,
          }),
        404,
        'CASE_NOT_FOUND',
      ],
      [
        'bad version',
        () =>
          app.inject({
            method: 'PATCH',
            url: '/v1/cases/x/customer?version=abc',
            headers: auth,
            payload: {},
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'unknown route',
        () => app.inject({ method: 'GET', url: '/v1/nothing', headers: auth }),
        404,
        'NOT_FOUND',
      ],
    ];
    for (const [name, send, status, code] of cases) {
      const res = await send();
      assert.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 200)}`);
      const body = res.json();
      assert.equal(body.error.code, code, name);
      assert.match(body.error.requestId, /^[0-9a-f-]{36}$/, name);
    }
  });

  test('OpenAPI, docs, health and metrics', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(spec.openapi, '3.0.3');
    assert.ok(spec.paths['/v1/customers/search'].post);
    assert.ok(spec.paths['/v1/cases/{caseId}/customer'].get);
    assert.ok(spec.paths['/v1/cases/{caseId}/reveal'].post);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'ok', keyring: 'ok' } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      /custos_http_requests_total\{route="\/v1\/cases\/:caseId\/customer",method="GET",status="200"\}/,
    );
    assert.ok(!/[0-9a-f]{8}-[0-9a-f]{4}-7/.test(metrics.body), 'no customer id in a label');
  });

  test('readiness fails closed when the master key cannot be read', async () => {
    chmodSync(t.config.masterKeyFile, 0o644);
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().checks.keyring, 'KEYRING_UNAVAILABLE');
    } finally {
      chmodSync(t.config.masterKeyFile, 0o600);
    }
  });
});
