/**
 * The policy set's lifecycle over HTTP on both dialects: two admins change it end to end and the next
 * decision follows at once; no admin approves their own proposal; only admins propose; invalid text is a
 * 422; every change needs a fresh step-up.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';

const supportNoContact = `
@id("test.support-never-contact")
forbid (principal, action == Action::"reveal", resource)
when { principal.role == Role::"support" && resource.class == SensitivityClass::"contact" };
`;

for (const { dialect, skip } of await dialects()) {
  describe(`policy routes (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    const clock = manualClock(Date.now());
    let alice: Staff;
    let bob: Staff;
    const stepUp = async (who: Staff) => {
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const live = async () => {
      const res = await f.send(alice, 'GET', '/v1/policies');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { version: number; text: string };
    };
    const propose = (who: Staff, text: string) => f.send(who, 'POST', '/v1/policies/proposals', { text });

    before(async () => {
      f = await accessFixture(dialect, { clock });
      alice = await f.staff('admin');
      bob = await f.staff('admin');
    });
    after(() => f?.close());

    test('two admins change the policy set, and the next decision follows it at once', async () => {
      const sam = await f.staff('support');
      const caseId = await f.openCase(sam, await f.customer({ phone: '+86 138 0013 8001' }));
      const reveal = () =>
        f.send(sam, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['phone'], reason: 'customer asked' });
      assert.equal((await reveal()).status, 200);

      const before = await live();
      const proposed = await propose(alice, before.text + supportNoContact);
      assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
      assert.equal(proposed.body.status, 'pending');
      assert.equal(proposed.body.baseVersion, before.version);
      assert.match(proposed.body.diff, /\+@id\("test\.support-never-contact"\)/);

      const pending = await f.send(bob, 'GET', '/v1/policies/proposals');
      assert.equal(pending.status, 200);
      assert.deepEqual(
        pending.body.proposals.map((p: { id: string }) => p.id),
        [proposed.body.id],
      );
      assert.equal((await live()).version, before.version, 'nothing changes before approval');
      assert.equal((await reveal()).status, 200);

      const approved = await f.send(bob, 'POST', `/v1/policies/proposals/${proposed.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.deepEqual(approved.body, { version: before.version + 1 });
      const after = await live();
      assert.equal(after.version, before.version + 1);
      assert.ok(after.text.includes('test.support-never-contact'));

      const refused = await reveal();
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'ACCESS_DENIED');
      assert.equal((await f.send(bob, 'GET', '/v1/policies/proposals')).body.proposals.length, 0);

      // The ledger names both admins: the approval records who proposed it, and is written by the approver.
      const ledger = f.t.custos.ledger;
      let approval;
      for (let i = ledger.size() - 1; i >= 0 && !approval; i--) {
        const { entry } = await ledger.entry(i);
        if (entry?.type === 'policy.approved') approval = entry;
      }
      assert.ok(approval);
      assert.equal(approval.actor, `staff:${bob.staffId}`);
      assert.equal((approval.data as { proposedBy: string }).proposedBy, `staff:${alice.staffId}`);
    });

    test('no admin approves their own proposal; its proposer may withdraw it', async () => {
      const proposed = await propose(alice, (await live()).text + '\n// a comment\n');
      assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
      const own = await f.send(alice, 'POST', `/v1/policies/proposals/${proposed.body.id}/approve`);
      assert.equal(own.status, 403);
      assert.equal(own.body.error.code, 'FORBIDDEN');
      const withdrawn = await f.send(alice, 'POST', `/v1/policies/proposals/${proposed.body.id}/reject`);
      assert.equal(withdrawn.status, 204);
      const late = await f.send(bob, 'POST', `/v1/policies/proposals/${proposed.body.id}/approve`);
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, 'VERSION_CONFLICT');
      const unknown = await f.send(bob, 'POST', `/v1/policies/proposals/${randomUUID()}/approve`);
      assert.equal(unknown.status, 404);
      const malformed = await f.send(bob, 'POST', '/v1/policies/proposals/not-a-proposal/approve');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'VALIDATION_FAILED');
    });

    test('only admins propose and decide; admins and security read the set in force', async () => {
      const text = (await live()).text + '\n// another comment\n';
      for (const role of ['support', 'security', 'store', 'marketing']) {
        const who = await f.staff(role);
        const refused = await propose(who, text);
        assert.equal(refused.status, 403, role);
        assert.equal(refused.body.error.code, 'FORBIDDEN');
        assert.equal((await f.send(who, 'GET', '/v1/policies')).status, role === 'security' ? 200 : 403);
        assert.equal((await f.send(who, 'GET', '/v1/policies/proposals')).status, 403, role);
      }
      const proposed = await propose(alice, text);
      assert.equal(proposed.status, 201);
      const security = await f.staff('security');
      const decide = await f.send(security, 'POST', `/v1/policies/proposals/${proposed.body.id}/approve`);
      assert.equal(decide.status, 403);
      assert.equal(
        (await f.send(bob, 'POST', `/v1/policies/proposals/${proposed.body.id}/reject`)).status,
        204,
      );
      assert.equal((await f.send(null, 'GET', '/v1/policies')).status, 401);
    });

    test('invalid text is refused with POLICY_INVALID and nothing is stored', async () => {
      for (const text of [
        'permit (principal, action, resource',
        (await live()).text +
          '\n@id("x")\npermit (principal, action, resource) when { principal.role == Role::"suport" };\n',
        '',
      ]) {
        const refused = await propose(alice, text);
        assert.equal(refused.status, 422, JSON.stringify(refused.body));
        assert.equal(refused.body.error.code, 'POLICY_INVALID');
      }
      assert.equal((await f.send(alice, 'GET', '/v1/policies/proposals')).body.proposals.length, 0);
    });

    test('proposing and deciding need a fresh step-up', async () => {
      const proposed = await propose(alice, (await live()).text + '\n// stale step-up\n');
      assert.equal(proposed.status, 201);
      clock.advance(5 * 60_000 + 1000);
      const stale = await propose(alice, (await live()).text + '\n// stale again\n');
      assert.equal(stale.status, 401);
      assert.equal(stale.body.error.code, 'STEP_UP_REQUIRED');
      for (const verb of ['approve', 'reject']) {
        const res = await f.send(bob, 'POST', `/v1/policies/proposals/${proposed.body.id}/${verb}`);
        assert.equal(res.status, 401, verb);
        assert.equal(res.body.error.code, 'STEP_UP_REQUIRED');
      }
      assert.equal((await f.send(bob, 'GET', '/v1/policies/proposals')).status, 200, 'reading needs none');
      await stepUp(bob);
      const approved = await f.send(bob, 'POST', `/v1/policies/proposals/${proposed.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
    });
  });
}
