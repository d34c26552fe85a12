/**
 * Consent per purpose from the portal, honoured wherever data leaves (exports), on both databases: off by
 * default; the customer grants marketing and an approved marketing export includes them; they withdraw
 * everything in one call and a later approved marketing export leaves them out — and so does one approved
 * before the withdrawal but run after it (in force at once); its `excluded` count says so. Attacked: a staff
 * token on the portal's consent routes, an unknown purpose, naming another customer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../src/platform/clock.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../support/access-fixture.ts';
import { portalCustomer as signInPortal } from '../support/portal-customer.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`consents from the portal, honoured by exports (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 14, 2));
    let f: AccessFixture;
    let requester: Staff;
    let approver: Staff;

    before(async () => {
      f = await accessFixture(dialect, { clock });
      requester = await f.staff('support');
      approver = await f.staff('security');
    });
    after(() => f?.close());

    const portalCustomer = () => signInPortal(f, clock.now);
    const stepUp = async (who: Staff) => {
      clock.advance(31_000);
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const granted = (reply: Reply) =>
      Object.fromEntries(
        (reply.body.consents as { purpose: string; granted: boolean }[]).map((c) => [c.purpose, c.granted]),
      );
    /** A records export for `purpose`, approved by security; `run` runs it as the requester. */
    const approvedExport = async (purpose: string, customerIds: string[]) => {
      await stepUp(requester);
      const asked = await f.send(requester, 'POST', '/v1/exports', {
        kind: 'records',
        purpose,
        customerIds,
        fields: ['name'],
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      await stepUp(approver);
      const approved = await f.send(approver, 'POST', `/v1/exports/${asked.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      return {
        run: async () => {
          await stepUp(requester);
          const ran = await f.send(requester, 'POST', `/v1/exports/${asked.body.id}/run`);
          assert.equal(ran.status, 200, JSON.stringify(ran.body));
          return {
            ids: (ran.body.records as { customerId: string }[]).map((r) => r.customerId),
            excluded: ran.body.excluded as number,
          };
        },
      };
    };

    test('the customer grants marketing, withdraws everything in one call, and a later marketing export leaves them out', async () => {
      const customer = await portalCustomer();
      const bystander = await f.customer();
      const initial = await customer.send('GET', '/v1/portal/me/consents');
      assert.equal(initial.status, 200, JSON.stringify(initial.body));
      assert.deepEqual(
        granted(initial),
        { marketing: false, third_party_sharing: false, sale: false },
        'off by default',
      );

      const grant = await customer.send('PUT', '/v1/portal/me/consents/marketing', { granted: true });
      assert.equal(grant.status, 200, JSON.stringify(grant.body));
      assert.deepEqual(granted(grant), { marketing: true, third_party_sharing: false, sale: false });
      const included = await (await approvedExport('marketing', [customer.customerId, bystander])).run();
      assert.deepEqual(
        included,
        { ids: [customer.customerId], excluded: 1 },
        'the bystander never consented',
      );

      // Approved while the consent stood, run after the withdrawal: the withdrawal is in force at once.
      const approvedBefore = await approvedExport('marketing', [customer.customerId, bystander]);
      const withdrawn = await customer.send('POST', '/v1/portal/me/consents/withdraw-all');
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
      assert.deepEqual(granted(withdrawn), { marketing: false, third_party_sharing: false, sale: false });
      assert.deepEqual(await approvedBefore.run(), { ids: [], excluded: 2 });
      const later = await (await approvedExport('marketing', [customer.customerId])).run();
      assert.deepEqual(later, { ids: [], excluded: 1 }, 'a later marketing export leaves them out');
      for (const purpose of ['third_party_sharing', 'sale', 'service_notice']) {
        const run = await (await approvedExport(purpose, [customer.customerId])).run();
        assert.deepEqual(run, { ids: [], excluded: 1 }, `"do not sell or share" holds for ${purpose}`);
      }
      const legal = await (await approvedExport('legal_obligation', [customer.customerId])).run();
      assert.deepEqual(legal.ids, [customer.customerId], 'a legal obligation needs no consent');

      const changes = (await ledgerEntries(f.t.custos, 'consent.changed')).filter(
        (e) => e.data.customerId === customer.customerId,
      );
      assert.deepEqual(
        changes.map((e) => [e.data.purpose, e.data.granted, e.data.source, e.actor]),
        [
          ['marketing', true, 'portal', `customer:${customer.customerId}`],
          ['marketing', false, 'portal', `customer:${customer.customerId}`],
          ['third_party_sharing', false, 'portal', `customer:${customer.customerId}`],
          ['sale', false, 'portal', `customer:${customer.customerId}`],
        ],
      );
      const completed = (await ledgerEntries(f.t.custos, 'export.completed')).at(-1);
      assert.equal(completed?.data.records, 1, 'the legal export, for the record');
    });

    test("the portal's consent routes are the customer's own", async () => {
      const clerk = await f.staff('support');
      for (const [method, url, body] of [
        ['GET', '/v1/portal/me/consents', undefined],
        ['PUT', '/v1/portal/me/consents/sale', { granted: true }],
        ['POST', '/v1/portal/me/consents/withdraw-all', undefined],
      ] as const) {
        const res = await f.send(clerk, method, url, body);
        assert.equal(res.status, 401, `${method} ${url} with a staff token: ${JSON.stringify(res.body)}`);
      }
      const customer = await portalCustomer();
      const unknown = await customer.send('PUT', '/v1/portal/me/consents/profiling', { granted: true });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'VALIDATION_FAILED');
      const other = await f.customer();
      const forOther = await customer.send('PUT', '/v1/portal/me/consents/sale', {
        granted: true,
        customerId: other,
      });
      assert.equal(forOther.status, 400, 'there is no customer id to give');
      assert.deepEqual(
        (await f.t.custos.privacy.consents.forCustomer(other)).map((c) => c.granted),
        [false, false, false],
      );
    });
  });
}
