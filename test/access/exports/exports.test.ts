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
import { createExportCaps } from '../../../src/access/exports/export-caps.ts';
import { aggregateCounts } from '../../../src/access/exports/k-anonymity.ts';
import { createPrivacyBudget } from '../../../src/access/exports/privacy-budget.ts';
import { createPrivacyBudgetStore } from '../../../src/access/exports/privacy-budget.store.ts';
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
      // ε = 1 per aggregate: a release threshold of 14, so a few dozen customers make a group.
      f = await accessFixture(dialect, {
        env: { CUSTOS_AGGREGATE_EPSILON: '1', CUSTOS_AGGREGATE_BUDGET: '3' },
      });
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
      const store = createExportStore(custos.database.db);
      const limits = { requesterDay: 1000, requesterWeek: 1000, approverDay: 1000, approverWeek: 1000 };
      const exports = createExports({
        store,
        caps: createExportCaps({ store, gate: custos.access.gate, clock: custos.clock, limits }),
        largeExport: { threshold: 200, quorum: 2, waitMs: 0 },
        alerts: custos.watch.alerts,
        vault,
        consents: custos.privacy.consents,
        budget: createPrivacyBudget({
          store: createPrivacyBudgetStore(custos.database.db),
          clock: custos.clock,
          epsilon: 1,
          budget: 1,
          windowMs: 86_400_000,
        }),
        gate: custos.access.gate,
        sessions: custos.identity.sessions,
        ledger: custos.ledger,
        bus: custos.bus,
        clock: custos.clock,
        independence: custos.identity.independence,
        announcements: custos.identity.announcements,
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

    test('a rejection rejects: the export never runs, and no later decision turns it round', async () => {
      const asked = await request(requester, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [await f.customer()],
        fields: ['phone'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const id = asked.body.id as string;
      const rejected = await f.send(approver, 'POST', `/v1/exports/${id}/reject`);
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
      assert.equal(rejected.body.status, 'rejected');
      const second = await f.staff('security');
      const later = await f.send(second, 'POST', `/v1/exports/${id}/approve`);
      assert.deepEqual([later.status, later.body.error?.code], [409, 'EXPORT_NOT_PENDING']);
      const run = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.deepEqual([run.status, run.body.error?.code], [403, 'APPROVAL_REQUIRED']);
      assert.equal((await f.send(requester, 'GET', `/v1/exports/${id}`)).body.status, 'rejected');
      const decided = (await ledgerEntries(f.t.custos, 'export.decided')).filter(
        (e) => e.data.exportId === id,
      );
      assert.deepEqual(
        decided.map((e) => e.data.approved),
        [false],
      );
    });

    test('an export edited to approved in the database, with no recorded approval, does not run', async () => {
      const asked = await request(requester, {
        kind: 'records',
        purpose: 'service_notice',
        customerIds: [await f.customer()],
        fields: ['phone'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const id = asked.body.id as string;
      await f.t.custos.database.db
        .updateTable('exports')
        .set({ status: 'approved', decided_by: approver.staffId, decided_at: Date.now() })
        .where('id', '=', id)
        .execute();
      const run = await f.send(requester, 'POST', `/v1/exports/${id}/run`);
      assert.deepEqual([run.status, run.body.error?.code], [403, 'APPROVAL_REQUIRED']);
      assert.ok(
        !(await ledgerEntries(f.t.custos, 'customer.exported')).some((e) => e.data.exportId === id),
        'nothing exported',
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

      // 30 consenting customers born in the 1980s, 3 in the 1990s, 5 in the 1980s who did not consent.
      for (let i = 0; i < 38; i++) {
        const id = await f.customer({
          birth_date: i < 30 || i >= 33 ? '1984-03-0' + ((i % 9) + 1) : '1993-07-01',
        });
        if (i < 33) await f.t.custos.privacy.consents.set(systemActor, id, 'marketing', true, 'portal');
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
      assert.equal(ran.body.epsilon, 1);
      assert.equal(ran.body.threshold, 14);
      assert.equal(ran.body.budgetRemaining, 2);
      for (const group of ran.body.groups) assert.ok(group.count >= 14);
      const eighties = ran.body.groups.find(
        (g: { values: { birth_decade: string } }) => g.values.birth_decade === '1980s',
      );
      // 30 plus noise of standard deviation ~1.4 (below 14 with probability ~3·10⁻⁸).
      assert.ok(eighties && Math.abs(eighties.count - 30) <= 12, JSON.stringify(ran.body.groups));
      assert.ok(
        !ran.body.groups.some((g: { values: { birth_decade: string } }) => g.values.birth_decade === '1990s'),
      );
      const completed = (await ledgerEntries(f.t.custos, 'export.completed')).find(
        (e) => e.data.exportId === asked.body.id,
      );
      assert.equal(completed?.data.epsilonMicro, 1_000_000);
      assert.ok(!/Test Customer|example\.com|\+86/.test(JSON.stringify(ran.body)), 'no identifier leaves');
    });
  });
}

test('aggregate counts cover the fixed domain: values outside it are other, missing ones unknown', () => {
  const people = [
    ...Array.from({ length: 10 }, () => ({ email: 'a@QQ.com', phone: '+8613500135000' })),
    { email: 'someone@rare-company.cn', phone: '+442079460000' },
    { email: null, phone: null },
  ];
  const cells = aggregateCounts(people, ['email_domain', 'phone_segment']);
  const count = (email_domain: string, phone_segment: string) =>
    cells.find((c) => c.values.email_domain === email_domain && c.values.phone_segment === phone_segment)
      ?.count;
  assert.equal(count('qq.com', '+86 135'), 10);
  assert.equal(count('other', 'other'), 1, 'neither the company domain nor the foreign number leaves');
  assert.equal(count('unknown', 'unknown'), 1);
  assert.equal(count('163.com', '+86 199'), 0, 'empty cells exist too: which groups exist says nothing');
  assert.ok(!JSON.stringify(cells).includes('rare-company') && !JSON.stringify(cells).includes('4420'));
});
