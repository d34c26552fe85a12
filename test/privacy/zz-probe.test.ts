import { test } from 'node:test';
import { accessFixture } from '../support/access-fixture.ts';
import { portalCustomer } from '../support/portal-customer.ts';

test('probe', async () => {
  const f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
  const c = await portalCustomer(f, Date.now);
  const sec = await f.staff('security');
  const other = await f.customer();
  const probes: [string, string, object | undefined][] = [
    ['PATCH', '/v1/portal/me/data', { changes: { birth_date: '2026-02-30' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { name: null } }],
    ['PATCH', '/v1/portal/me/data', { changes: { name: '' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { phone: '\u0000' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { email: 'a@b' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { national_id: '123' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { name: 'x' }, expectedVersion: 99 }],
    ['PATCH', '/v1/portal/me/data', { changes: { name: 'x' }, expectedVersion: 1e20 }],
    ['PATCH', '/v1/portal/me/data', { changes: { account_id: 'ZZ' } }],
    ['PATCH', '/v1/portal/me/data', { changes: { name: '\ud800' } }],
    ['POST', '/v1/portal/me/requests', { kind: 'erasure' }],
    ['POST', '/v1/portal/me/requests', { kind: 'erasure' }],
    ['POST', '/v1/portal/me/requests', { kind: 'nope' }],
    ['POST', '/v1/incidents', { staffId: sec.staffId, from: '2026-13-45' }],
    ['POST', '/v1/incidents', { staffId: sec.staffId, from: '99999-01-01' }],
    ['POST', '/v1/incidents', { staffId: sec.staffId, from: '2026-01-01', to: '2025-01-01' }],
    ['POST', '/v1/incidents', { staffId: sec.staffId, from: '2026-01-01', knownAt: '+275760-09-13T00:00:00.001Z' }],
    ['POST', '/v1/incidents', { staffId: sec.staffId, from: '-271821-04-20T00:00:00Z' }],
    ['PUT', `/v1/customers/${other}/legal-hold`, { reason: '   \u0000  ' }],
    ['PUT', `/v1/customers/${other}/legal-hold`, { reason: '    ' }],
    ['GET', `/v1/privacy-requests?status=zzz`, undefined],
  ];
  for (const [m, u, b] of probes) {
    const who = u.startsWith('/v1/portal') ? null : sec;
    const r = who ? await f.send(who, m, u, b) : await c.send(m, u, b);
    console.log(m, u, JSON.stringify(b), '=>', r.status, JSON.stringify(r.body).slice(0, 300));
  }
  await f.close();
});
