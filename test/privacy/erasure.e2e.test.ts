/**
 * My data, correction and erasure end to end, over HTTP against a real server on loopback (SQLite, so the
 * database's own files can be scanned): a customer signs in to the portal with 2FA, sees their record,
 * corrects it (new value served, version up, the old value nowhere in the files), and erases it. A copy of
 * the database files and of the key files is taken before the erasure; afterwards neither the database nor
 * that copy yields any of their values with the keys that remain — while the same copy opened with the key
 * files as they stood before the erasure does (so the scan is a real one) — and no plaintext of theirs is in
 * the bytes of either. The rest runs on PostgreSQL too.
 * Attacked: another customer reading or erasing, a staff token on portal routes, a customer token on the
 * officer's routes, erasure under a legal hold, routes for the erased customer afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { signInCustomer } from '../support/customer-session.ts';
import { dialects } from '../support/databases.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';
import {
  anyGroupKeyOpens,
  backup,
  databaseBytes,
  openWith,
  storedCustomer,
} from '../support/erasure-scan.ts';
import { fetchSend, type Send, signInStaff } from '../support/staff-session.ts';

type Reply = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Staff = Awaited<ReturnType<typeof signInStaff>>;

for (const { dialect, skip } of await dialects()) {
  describe(`my data, correction and erasure over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 14, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let registrar: Staff;
    let officer: Staff;

    const as =
      (token: string) =>
      async (method: string, url: string, body?: object): Promise<Reply> =>
        send(method, url, body, { authorization: `Bearer ${token}` });
    const portalCustomer = async () => {
      const c = await signInCustomer(send, registrar, { inbox: t, now: clock.now });
      return { ...c, send: as(c.token) };
    };
    const stepUp = async (who: Staff) => {
      clock.advance(31_000);
      const res = await send(
        'POST',
        '/v1/auth/step-up',
        { code: totp(who.secret, clock.now()) },
        {
          authorization: `Bearer ${who.token}`,
        },
      );
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };

    before(async () => {
      t = await testCustos(dialect, { clock, env: { CUSTOS_SHRED_GRACE_MS: '0' } });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      registrar = await signInStaff(send, t.adminToken, { role: 'support', now: clock.now });
      officer = await signInStaff(send, t.adminToken, { role: 'security', now: clock.now });
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    // The database's own files are scanned: SQLite's (PostgreSQL's are the server's, not this process's).
    const scanned = { skip: dialect === 'sqlite' ? false : 'the raw file scan reads SQLite files' };
    test(
      'see, correct, erase: nothing of theirs readable afterwards, in the database or a copy from before',
      scanned,
      async () => {
        const c = await portalCustomer();
        const mine = await c.send('GET', '/v1/portal/me/data');
        assert.equal(mine.status, 200, JSON.stringify(mine.body));
        assert.equal(mine.body.id, c.customerId);
        assert.equal(mine.body.fields.email, c.email);
        const oldName = mine.body.fields.name as string;
        assert.match(oldName, /^Portal Customer/);
        const selfViews = await ledgerEntries(t.custos, 'customer.self_viewed');
        assert.ok(
          selfViews.some((e) => e.subject === c.customerId && e.actor === `customer:${c.customerId}`),
          'the self-access is ledgered as the customer',
        );

        const newName = `Zhang Corrected ${process.pid}`;
        const phone = '+8613800138123';
        const corrected = await c.send('PATCH', '/v1/portal/me/data', {
          changes: { name: newName, phone },
          expectedVersion: mine.body.version,
        });
        assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
        assert.equal(corrected.body.version, mine.body.version + 1);
        const after1 = await c.send('GET', '/v1/portal/me/data');
        assert.equal(after1.body.fields.name, newName);
        assert.equal(after1.body.fields.phone, phone);
        assert.equal(after1.body.version, corrected.body.version);
        const updated = (await ledgerEntries(t.custos, 'customer.updated')).filter(
          (e) => e.subject === c.customerId,
        );
        const last = updated.at(-1);
        assert.deepEqual(last?.data, { customerId: c.customerId, fields: ['name', 'phone'], version: 2 });
        assert.ok(!JSON.stringify(updated).includes(oldName), 'the ledger names no value');
        const stale = await c.send('PATCH', '/v1/portal/me/data', {
          changes: { name: 'x y' },
          expectedVersion: 1,
        });
        assert.equal(stale.status, 409);
        assert.equal(stale.body.error.code, 'VERSION_CONFLICT');

        // Something kept to tell them of reveals: their notice preference.
        const preference = await c.send('PUT', '/v1/portal/me/notice-preference', { mode: 'daily' });
        assert.equal(preference.status, 200, JSON.stringify(preference.body));

        const bytesBefore = databaseBytes(t.database.dir as string);
        for (const value of [oldName, newName, phone, c.email]) {
          assert.ok(!bytesBefore.includes(Buffer.from(value)), 'no plaintext in the database files');
        }

        // A backup, taken before the erasure: database files and key files as they stand.
        const copy = backup(t);
        const beforeErasure = await storedCustomer(copy, c.customerId);
        const opened = openWith(join(copy, 'master.key'), join(copy, 'shred-groups.key'), beforeErasure);
        assert.equal(opened.name, newName, 'the copy with the key files of its time opens: the scan is real');
        assert.equal(opened.phone, phone);
        assert.equal(opened.email, c.email);

        const erased = await c.send('POST', '/v1/portal/me/erasure');
        assert.equal(erased.status, 200, JSON.stringify(erased.body));
        assert.equal(erased.body.customerId, c.customerId);
        assert.equal(erased.body.portalAccountErased, true);
        assert.ok(erased.body.casesClosed >= 1, 'the registration case is closed');

        // The remaining keys: the master key file and the shred-group key file as they are now.
        const master = t.config.masterKeyFile;
        const groups = t.config.shredGroupFile;
        assert.equal(
          (await storedCustomer(t.database.dir as string, c.customerId)).key,
          undefined,
          'no key row left',
        );
        assert.deepEqual(
          (await storedCustomer(t.database.dir as string, c.customerId)).sealed,
          {},
          'no sealed field left',
        );
        assert.throws(
          () => openWith(master, groups, beforeErasure),
          (e) => isCustosError(e, 'KEYRING_UNAVAILABLE'),
          "the copy's data key is wrapped under a shred-group key version that no longer exists",
        );
        assert.equal(
          anyGroupKeyOpens(master, groups, beforeErasure),
          false,
          'no other group key opens it either',
        );
        // Every sealed value of theirs the copy holds stays shut, and neither file set holds their plaintext.
        for (const dir of [t.database.dir as string, copy]) {
          const bytes = databaseBytes(dir);
          for (const value of [oldName, newName, phone, c.email]) {
            assert.ok(!bytes.includes(Buffer.from(value)), `no plaintext of theirs in ${dir}`);
          }
        }
        // Old page images in the live WAL may still hold their sealed values and wrapped data key, byte for
        // byte as in the copy: the same wrapped key, shut the same way. Found there, it opens nothing either.
        const currentBytes = databaseBytes(t.database.dir as string);
        const wrapped = beforeErasure.key?.wrapped as Buffer;
        if (currentBytes.includes(wrapped)) {
          assert.equal(anyGroupKeyOpens(master, groups, beforeErasure), false);
        }
        for (const table of ['notice_preferences', 'reveal_notices', 'reveal_digests'] as const) {
          const left = await t.custos.database.db
            .selectFrom(table)
            .select('customer_id')
            .where('customer_id', '=', c.customerId)
            .execute();
          assert.deepEqual(left, [], `nothing of theirs left in ${table}`);
        }
        const tombstone = (await ledgerEntries(t.custos, 'customer.erased')).find(
          (e) => e.subject === c.customerId,
        );
        assert.deepEqual(tombstone?.data, { customerId: c.customerId, via: 'portal' });
        // The history stays verifiable with the personal content gone (what `custos verify` runs).
        await t.custos.ledger.checkpointNow();
        const report = await verifyLedger({
          store: t.custos.ledgerStore,
          verifier: verifierFromKey(t.custos.ledger.vkey),
          origin: t.custos.ledger.origin,
        });
        assert.deepEqual(report.problems, []);

        // After: the portal session is gone, staff routes for them answer 404, never a 500.
        const gone = await c.send('GET', '/v1/portal/me/data');
        assert.equal(gone.status, 401);
        const staffView = await as(officer.token)('GET', `/v1/customers/${c.customerId}/legal-hold`);
        assert.equal(staffView.status, 404);
        assert.equal(staffView.body.error.code, 'CUSTOMER_NOT_FOUND');
        await stepUp(officer);
        const again = await as(officer.token)('POST', `/v1/customers/${c.customerId}/erasure`);
        assert.equal(again.status, 404);
        // Staff routes that name the erased customer: a clean 4xx (or an empty search), never a 5xx.
        await stepUp(registrar);
        const clerk = as(registrar.token);
        const afterwards: [string, Reply][] = [
          [
            'open a case',
            await clerk('POST', '/v1/cases', {
              customerId: c.customerId,
              purpose: 'repair',
              channel: 'counter',
            }),
          ],
          [
            'break-glass',
            await clerk('POST', '/v1/break-glass', {
              customerId: c.customerId,
              purpose: 'repair',
              reason: 'customer locked out, urgent',
            }),
          ],
          ['search', await clerk('POST', '/v1/customers/search', { by: 'email', value: c.email })],
          [
            'hold',
            await as(officer.token)('PUT', `/v1/customers/${c.customerId}/legal-hold`, {
              reason: 'too late now',
            }),
          ],
        ];
        for (const [what, reply] of afterwards) {
          assert.ok(reply.status < 500, `${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
        assert.equal(afterwards[0]?.[1].status, 404, 'no case for an erased customer');
        assert.deepEqual(afterwards[2]?.[1].body.results, [], 'search finds nothing');
        assert.ok(existsSync(copy));
      },
    );

    test('a legal hold refuses erasure with its reason; lifted, erasure goes ahead', async () => {
      const c = await portalCustomer();
      const reason = 'Court order 2026-77: keep until the proceedings end';
      const unstepped = await as(officer.token)('PUT', `/v1/customers/${c.customerId}/legal-hold`, {
        reason,
      });
      await stepUp(officer);
      const placed = await as(officer.token)('PUT', `/v1/customers/${c.customerId}/legal-hold`, { reason });
      assert.equal(placed.status, 200, JSON.stringify(placed.body) + JSON.stringify(unstepped.body));
      assert.equal(placed.body.held, true);
      const entry = (await ledgerEntries(t.custos, 'legal_hold.placed')).find(
        (e) => e.subject === c.customerId,
      );
      assert.ok(entry && !JSON.stringify(entry).includes('Court order'), 'the reason is not in the ledger');

      const refused = await c.send('POST', '/v1/portal/me/erasure');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'LEGAL_HOLD');
      assert.equal(refused.body.error.details[0].problem, reason);
      const byOfficer = await as(officer.token)('POST', `/v1/customers/${c.customerId}/erasure`);
      assert.equal(byOfficer.status, 409);
      assert.equal(byOfficer.body.error.code, 'LEGAL_HOLD');
      assert.equal((await c.send('GET', '/v1/portal/me/data')).status, 200, 'held data is still there');

      const lifted = await as(officer.token)('DELETE', `/v1/customers/${c.customerId}/legal-hold`);
      assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
      const erased = await as(officer.token)('POST', `/v1/customers/${c.customerId}/erasure`);
      assert.equal(erased.status, 200, JSON.stringify(erased.body));
      const tombstone = (await ledgerEntries(t.custos, 'customer.erased')).find(
        (e) => e.subject === c.customerId,
      );
      assert.deepEqual(tombstone?.data, { customerId: c.customerId, via: 'staff' });
    });

    test('only a privacy officer erases or holds; a clerk is refused', async () => {
      const c = await portalCustomer();
      await stepUp(registrar);
      for (const [method, url, body] of [
        ['POST', `/v1/customers/${c.customerId}/erasure`, undefined],
        ['PUT', `/v1/customers/${c.customerId}/legal-hold`, { reason: 'I would like to' }],
        ['GET', `/v1/customers/${c.customerId}/legal-hold`, undefined],
      ] as const) {
        const res = await as(registrar.token)(method, url, body);
        assert.equal(res.status, 403, `${method} ${url}`);
        assert.equal(res.body.error.code, 'ACCESS_DENIED');
      }
      assert.equal((await c.send('GET', '/v1/portal/me/data')).status, 200);
    });

    test('a customer sees and erases only themself; tokens of the other realm are refused', async () => {
      const a = await portalCustomer();
      const b = await portalCustomer();
      const seenByB = await b.send('GET', '/v1/portal/me/data');
      assert.equal(seenByB.body.id, b.customerId);
      assert.ok(!JSON.stringify(seenByB.body).includes(a.email));
      // A customer on the officer's routes, with another customer's id.
      for (const [method, url] of [
        ['POST', `/v1/customers/${a.customerId}/erasure`],
        ['GET', `/v1/customers/${a.customerId}/legal-hold`],
      ] as const) {
        const res = await b.send(method, url);
        assert.ok([401, 403].includes(res.status), `${method} ${url}: ${res.status}`);
      }
      // Staff tokens on the portal routes.
      for (const [method, url, body] of [
        ['GET', '/v1/portal/me/data', undefined],
        ['PATCH', '/v1/portal/me/data', { changes: { name: 'Someone Else' } }],
        ['POST', '/v1/portal/me/erasure', undefined],
      ] as const) {
        for (const staff of [registrar, officer]) {
          const res = await as(staff.token)(method, url, body);
          assert.ok([401, 403].includes(res.status), `${method} ${url}: ${res.status}`);
        }
      }
      // A query-string or body id does not move the portal to another customer.
      const smuggled = await send('GET', `/v1/portal/me/data?customerId=${a.customerId}`, undefined, {
        authorization: `Bearer ${b.token}`,
      });
      assert.ok(smuggled.status === 400 || (smuggled.body as { id?: string })?.id === b.customerId);
      const bodyId = await b.send('POST', '/v1/portal/me/erasure', { customerId: a.customerId });
      assert.ok([400, 200].includes(bodyId.status));
      if (bodyId.status === 200) assert.equal(bodyId.body.customerId, b.customerId);
      assert.equal((await a.send('GET', '/v1/portal/me/data')).body.id, a.customerId, 'a is untouched');
    });
  });
}
