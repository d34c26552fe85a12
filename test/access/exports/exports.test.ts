/**
 * Exports under four eyes, consent filtering and k-anonymous marketing aggregates, over HTTP on both
 * dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../../src/platform/actor.ts';
import { CustosError } from '../../../src/platform/errors.ts';
import { createExports } from '../../../src/access/exports/exports.service.ts';
import { createExportStore } from '../../../src/access/exports/exports.store.ts';
import { kAnonymousCounts } from '../../../src/access/exports/k-anonymity.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`exports (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    let requester: Staff;
    let approver: Staff;
    let marketing: Staff;
    before(async () => {
      f = await accessFixture(dialect);
      requester = await f.staff('support');
      approver = await f.staff('security');
      marketing = await f.staff('marketing');
    });
    after(() => f?.close());

    const request = (who: Staff, body: object) => f.send(who, 'POST', '/v1/exports', body);

    test('a records export runs only after a second person of the security role approves, and only once', async () => {
      const ids = [await f.customer({ phone: '+86 135 0013 5000' }), await f.customer()];
      const asked = await request(requester, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: ids,
        fields: ['phone'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const id = asked.body.id as string;
      assert.equal(asked.body.status, 'pending');

      const early = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.equal(early.status, 403);
      assert.equal(early.body.error.code, 'APPROVAL_REQUIRED');
      assert.equal(
        (await f.send(requester, 'POST', `/v1/exports/${id}/approve`)).status,
        403,
        'support cannot approve',
      );
      const otherSupport = await f.staff('support');
      assert.equal((await f.send(otherSupport, 'POST', `/v1/exports/${id}/approve`)).status, 403);

      const pending = await f.send(approver, 'GET', '/v1/exports/pending');
      assert.ok(pending.body.exports.some((e: { id: string }) => e.id === id));
      const approved = await f.send(approver, 'POST', `/v1/exports/${id}/approve`);
      assert.equal(approved.status, 200);
      assert.equal(approved.body.decidedBy, approver.staffId);
      assert.equal(
        (await f.send(approver, 'POST', `/v1/exports/${id}/reject`)).body.error.code,
        'EXPORT_NOT_PENDING',
      );

      assert.equal(
        (await f.send(approver, 'POST', `/v1/exports/${id}/run`)).status,
        403,
        'only the requester runs it',
      );
      const ran = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.equal(ran.status, 200, JSON.stringify(ran.body));
      assert.equal(ran.body.records.length, 2);
      assert.ok(
        ran.body.records.some((r: { fields: { phone: string } }) => r.fields.phone === '+8613500135000'),
      );
      const twice = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.equal(twice.status, 403);

      // Every exported customer has an entry of their own in the ledger.
      const ledger = f.t.custos.ledger;
      const exported = [];
      for (let i = 0; i < ledger.size(); i++) {
        const entry = (await ledger.entry(i)).entry;
        if (entry?.type === 'customer.exported') exported.push(entry.subject);
      }
      assert.deepEqual(exported.sort(), [...ids].sort());
    });

    test('a run that fails part-way is ledgered as failed and cannot be run again', async () => {
      const [first, broken, last] = [await f.customer(), await f.customer(), await f.customer()];
      const asked = await request(requester, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [first, broken, last],
        fields: ['name'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const id = asked.body.id as string;
      assert.equal((await f.send(approver, 'POST', `/v1/exports/${id}/approve`)).status, 200);

      // The same export service, over a vault that cannot open one customer's record.
      const { custos } = f.t;
      const vault: Parameters<typeof createExports>[0]['vault'] = {
        unsealFields: async (customerId, fields) => {
          if (customerId === broken) throw new CustosError('KEYRING_UNAVAILABLE', 'Keys unavailable');
          return custos.vault.unsealFields(customerId, fields);
        },
      };
      const exports = createExports({
        store: createExportStore(custos.database.db),
        vault,
        consents: custos.privacy.consents,
        gate: custos.access.gate,
        sessions: custos.identity.sessions,
        ledger: custos.ledger,
        bus: custos.bus,
        clock: custos.clock,
      });
      const p = await custos.identity.principalOf(
        await custos.identity.sessions.authenticate(requester.token, 'staff'),
      );
      await assert.rejects(exports.run(p, id), { code: 'KEYRING_UNAVAILABLE' });

      const failed = await ledgerEntries(custos, 'export.failed');
      assert.deepEqual(failed.at(-1)?.data, { exportId: id, code: 'KEYRING_UNAVAILABLE' });
      assert.equal(failed.at(-1)?.actor, `staff:${requester.staffId}`);
      assert.equal((await f.send(requester, 'GET', `/v1/exports/${id}`)).body.status, 'failed');
      const again = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.equal(again.status, 403);
      assert.equal(again.body.error.code, 'APPROVAL_REQUIRED');
      assert.match(again.body.error.message, /request a new one/);
      assert.ok(
        !(await ledgerEntries(custos, 'export.completed')).some((e) => e.data.exportId === id),
        'never completed',
      );
    });

    test('a security approver cannot approve their own request; the requester cannot approve theirs', async () => {
      const admin = await f.staff('admin');
      const id = await f.customer();
      const asked = await request(admin, {
        kind: 'records',
        purpose: 'legal_obligation',
        customerIds: [id],
        fields: ['name'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      assert.equal((await f.send(admin, 'POST', `/v1/exports/${asked.body.id}/approve`)).status, 403);
    });

    test('a requester promoted to security still cannot approve their own export: the same-person check refuses', async () => {
      // The role check alone would let them through: the directory now says security, read on every request.
      const promoted = await f.staff('support');
      const asked = await request(promoted, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [await f.customer()],
        fields: ['name'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const id = asked.body.id as string;
      await f.t.custos.database.db
        .updateTable('staff')
        .set({ role: 'security' })
        .where('id', '=', promoted.staffId)
        .execute();
      assert.equal((await f.send(promoted, 'GET', '/v1/exports/pending')).status, 200, 'promoted indeed');
      for (const decision of ['approve', 'reject']) {
        const own = await f.send(promoted, 'POST', `/v1/exports/${id}/${decision}`);
        assert.deepEqual([own.status, own.body.error?.code], [403, 'SAME_PERSON'], decision);
      }
      const run = await f.send(promoted, 'POST', `/v1/exports/${id}/run`);
      assert.deepEqual([run.status, run.body.error.code], [403, 'APPROVAL_REQUIRED']);
      assert.equal((await f.send(promoted, 'GET', `/v1/exports/${id}`)).body.status, 'pending');
      assert.ok(
        !(await ledgerEntries(f.t.custos, 'export.decided')).some((e) => e.data.exportId === id),
        'no decision ledgered',
      );
    });

    test('customers who refused sharing or sale are left out; sale needs consent, which is off by default', async () => {
      const staff = await f.staff('support');
      const [granted, refused, silent] = [await f.customer(), await f.customer(), await f.customer()];
      await f.t.custos.privacy.consents.set(systemActor, granted, 'sale', true, 'portal');
      await f.t.custos.privacy.consents.set(systemActor, refused, 'sale', false, 'portal');
      const run = async (purpose: string) => {
        const asked = await request(staff, {
          kind: 'records',
          purpose,
          customerIds: [granted, refused, silent],
          fields: ['name'],
        });
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        assert.equal((await f.send(approver, 'POST', `/v1/exports/${asked.body.id}/approve`)).status, 200);
        const ran = await f.send(staff, 'POST', `/v1/exports/${asked.body.id}/run`);
        assert.equal(ran.status, 200);
        return ran.body.records.map((r: { customerId: string }) => r.customerId).sort();
      };
      assert.deepEqual(await run('sale'), [granted]);
      assert.deepEqual(await run('service_notice'), [granted, silent].sort());
    });

    test('staff record a refusal on any case they may view, a grant only with the customer present', async () => {
      const staff = await f.staff('store');
      const customerId = await f.customer();
      const caseId = await f.openCase(staff, customerId);
      const grant = await f.send(staff, 'PUT', `/v1/cases/${caseId}/consents/sale`, { granted: true });
      assert.equal(grant.status, 403);
      assert.equal(grant.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED');
      const refuse = await f.send(staff, 'PUT', `/v1/cases/${caseId}/consents/sale`, { granted: false });
      assert.equal(refuse.status, 200);
      assert.deepEqual(
        refuse.body.consents.map((c: { purpose: string; granted: boolean }) => [c.purpose, c.granted]),
        [
          ['marketing', false],
          ['third_party_sharing', false],
          ['sale', false],
        ],
      );
      const { code } = await f.t.custos.access.presenceCodes.issue(systemActor, customerId);
      assert.equal((await f.send(staff, 'POST', `/v1/cases/${caseId}/presence`, { code })).status, 200);
      assert.equal(
        (await f.send(staff, 'PUT', `/v1/cases/${caseId}/consents/marketing`, { granted: true })).status,
        200,
      );
    });

    test('marketing gets k-anonymous aggregates only (k ≥ 10), over customers who consented to marketing', async () => {
      const refused = await request(marketing, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [await f.customer()],
        fields: ['name'],
      });
      assert.equal(refused.status, 403, 'never individual records');
      const lowK = await request(marketing, {
        kind: 'aggregate',
        purpose: 'marketing',
        dimensions: ['birth_decade'],
        k: 5,
      });
      assert.equal(lowK.status, 400);

      // 12 consenting customers born in the 1980s, 3 in the 1990s, 5 who did not consent.
      for (let i = 0; i < 20; i++) {
        const id = await f.customer({
          birth_date: i < 12 || i >= 15 ? '1984-03-0' + ((i % 9) + 1) : '1993-07-01',
        });
        if (i < 15) await f.t.custos.privacy.consents.set(systemActor, id, 'marketing', true, 'portal');
      }
      const asked = await request(marketing, {
        kind: 'aggregate',
        purpose: 'marketing',
        dimensions: ['birth_decade'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      assert.equal(
        (await f.send(marketing, 'POST', `/v1/exports/${asked.body.id}/run`)).body.error.code,
        'APPROVAL_REQUIRED',
      );
      assert.equal((await f.send(approver, 'POST', `/v1/exports/${asked.body.id}/approve`)).status, 200);
      const ran = await f.send(marketing, 'POST', `/v1/exports/${asked.body.id}/run`);
      assert.equal(ran.status, 200, JSON.stringify(ran.body));
      assert.equal(ran.body.k, 10);
      for (const group of ran.body.groups) assert.ok(group.count >= 10);
      const eighties = ran.body.groups.find(
        (g: { values: { birth_decade: string } }) => g.values.birth_decade === '1980s',
      );
      assert.ok(eighties && eighties.count >= 12);
      assert.ok(
        !ran.body.groups.some((g: { values: { birth_decade: string } }) => g.values.birth_decade === '1990s'),
      );
      assert.ok(ran.body.suppressedPeople >= 3);
      assert.ok(!/Test Customer|example\.com|\+86/.test(JSON.stringify(ran.body)), 'no identifier leaves');
    });
  });
}

test('k-anonymity: no released group is smaller than k, and suppression is counted', () => {
  const people = [
    ...Array.from({ length: 10 }, () => ({ email: 'a@x.cn', birth_date: '1970-01-01' })),
    ...Array.from({ length: 9 }, () => ({ email: 'b@y.cn', birth_date: '1970-01-01' })),
    { email: null, birth_date: null },
  ];
  const result = kAnonymousCounts(people, ['email_domain', 'birth_decade'], 10);
  assert.deepEqual(result.groups, [{ values: { email_domain: 'x.cn', birth_decade: '1970s' }, count: 10 }]);
  assert.equal(result.suppressedGroups, 2);
  assert.equal(result.suppressedPeople, 10);
  assert.throws(() => kAnonymousCounts(people, ['birth_decade'], 9), /at least 10/);
});
