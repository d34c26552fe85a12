/**
 * The policy set's lifecycle on both dialects: default installed as version 1, proposals under four eyes,
 * every step ledgered with its diff, other nodes catching up through `refresh()`, stale and locking
 * proposals refused.
 */
import { runEvery } from '../../../src/platform/periodic.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessQuery } from '../../../src/access/policy/access-query.ts';
import { defaultPolicies } from '../../../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../../../src/access/policy/policy-engine.ts';
import { createPolicyService } from '../../../src/access/policy/policy.service.ts';
import { createPolicyStore } from '../../../src/access/policy/policy.store.ts';
import type { StaffPrincipal } from '../../../src/identity/sessions/principal.ts';
import type { StaffRole } from '../../../src/identity/staff/staff.types.ts';
import type { LedgerEntry } from '../../../src/ledger/entry-types.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { type TestCustos, testCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';

/** A staff member as the routes hand them to the service: signed in, stepped up just now (every time). */
function principal(staffId: string, role: StaffRole): StaffPrincipal {
  const actor = { type: 'staff', id: staffId } as const;
  return {
    staffId,
    role,
    region: 'east',
    site: 'east-hq',
    actor,
    get session() {
      const now = Date.now();
      return {
        id: `session-${staffId}`,
        accountId: `account-${staffId}`,
        realm: 'staff' as const,
        actor,
        secondFactorAt: now,
        stepUpAt: now,
        tokenHash: Buffer.alloc(32),
        csrfHash: Buffer.alloc(32),
      };
    },
  };
}

const alice = principal('staff-alice', 'admin');
const bob = principal('staff-bob', 'admin');
const sam = principal('staff-sam', 'support');
const sec = principal('staff-sec', 'security');

const securityAggregates = `${defaultPolicies}
@id("security.aggregates")
permit (principal, action == Action::"aggregate", resource) when { principal.role == Role::"security" };
`;
const aggregateBySecurity: AccessQuery = {
  role: 'security',
  action: 'aggregate',
  caseRelation: 'none',
  customerPresent: false,
  breakGlass: false,
  secondApprover: false,
  riskTier: 'normal',
};

for (const { dialect, skip } of await dialects()) {
  describe(`policy service on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    before(async () => {
      t = await testCustos(dialect);
      // In the directory, so the independence check knows them (no one invited them: the operator did).
      await t.custos.identity.staff.add(
        [alice, bob, sam, sec].map((p) => ({
          id: p.staffId,
          displayName: p.staffId,
          email: `${p.staffId}@custos.example`,
          role: p.role,
          region: p.region,
          site: p.site,
          managerId: null,
          shift: 'day',
          status: 'active' as const,
          createdAt: 0,
        })),
      );
    });
    after(async () => t?.cleanup());

    /** The entries appended since `from`, in order. */
    async function entriesSince(from: number): Promise<LedgerEntry[]> {
      const out: LedgerEntry[] = [];
      for (let i = from; i < t.custos.ledger.size(); i++) {
        const { entry } = await t.custos.ledger.entry(i);
        if (entry) out.push(entry);
      }
      return out;
    }

    /** Another API node on the same database: its own engine and service. */
    function otherNode() {
      const engine = createPolicyEngine({ policies: defaultPolicies });
      const service = createPolicyService({
        store: createPolicyStore(t.custos.database.db),
        engine,
        sessions: t.custos.identity.sessions,
        ledger: t.custos.ledger,
        clock: t.custos.clock,
        independence: t.custos.identity.independence,
        announcements: t.custos.identity.announcements,
      });
      return { engine, service };
    }

    test('first start installs the default set as version 1; a restart keeps it', async () => {
      assert.equal(t.custos.policyEngine.version, 1);
      assert.equal(t.custos.policyEngine.text, defaultPolicies);
      const store = createPolicyStore(t.custos.database.db);
      assert.equal(await store.liveVersion(), 1);
      assert.equal(await store.installInitial('anything', 0), false);
      const node = otherNode();
      await node.service.load();
      assert.equal(node.engine.version, 1);
      assert.equal(await node.service.refresh(), false);
    });

    test('only a role with policy_edit may propose; invalid and identical sets are refused; nothing is stored', async () => {
      const size = t.custos.ledger.size();
      for (const by of [sam, sec, { ...alice, staffId: '' }]) {
        await assert.rejects(t.custos.policies.propose(by, securityAggregates), (e) =>
          isCustosError(e, 'FORBIDDEN'),
        );
      }
      await assert.rejects(t.custos.policies.propose(alice, 'permit (principal, action, resource);'), (e) =>
        isCustosError(e, 'POLICY_INVALID'),
      );
      await assert.rejects(t.custos.policies.propose(alice, defaultPolicies), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
      const lockout = defaultPolicies.replace(
        '[Action::"staff_manage", Action::"policy_edit", Action::"policy_approve"]',
        '[Action::"staff_manage", Action::"policy_edit"]',
      );
      await assert.rejects(t.custos.policies.propose(alice, lockout), (e) =>
        isCustosError(e, 'POLICY_INVALID'),
      );
      assert.equal(t.custos.ledger.size(), size);
      assert.deepEqual(await t.custos.policies.pending(alice), []);
    });

    test('four eyes: proposed by one admin, refused to the same admin, approved by another; ledgered with the diff', async () => {
      const node = otherNode();
      await node.service.load();
      const size = t.custos.ledger.size();
      assert.equal(t.custos.policyEngine.decide(aggregateBySecurity).allow, false);

      const proposal = await t.custos.policies.propose(alice, securityAggregates);
      assert.equal(proposal.baseVersion, 1);
      assert.equal(proposal.status, 'pending');
      assert.match(proposal.diff, /^\+@id\("security\.aggregates"\)$/m);
      assert.deepEqual(
        (await t.custos.policies.pending(bob)).map((p) => [p.id, p.diff]),
        [[proposal.id, proposal.diff]],
      );
      assert.equal(
        t.custos.policyEngine.decide(aggregateBySecurity).allow,
        false,
        'nothing changes before approval',
      );

      await assert.rejects(t.custos.policies.approve(alice, proposal.id), (e) =>
        isCustosError(e, 'FORBIDDEN'),
      );
      await assert.rejects(t.custos.policies.approve(sec, proposal.id), (e) => isCustosError(e, 'FORBIDDEN'));
      assert.deepEqual(await t.custos.policies.approve(bob, proposal.id), { version: 2 });

      assert.equal(t.custos.policyEngine.version, 2);
      assert.deepEqual(t.custos.policyEngine.decide(aggregateBySecurity).policies, ['security.aggregates']);
      await assert.rejects(t.custos.policies.approve(bob, proposal.id), (e) =>
        isCustosError(e, 'VERSION_CONFLICT'),
      );

      const entries = await entriesSince(size);
      assert.deepEqual(
        entries.map((e) => [e.type, e.actor]),
        [
          ['policy.proposed', 'staff:staff-alice'],
          ['policy.approved', 'staff:staff-bob'],
        ],
      );
      const [proposed, approved] = entries as [
        LedgerEntry<'policy.proposed'>,
        LedgerEntry<'policy.approved'>,
      ];
      assert.deepEqual(proposed.data, { proposalId: proposal.id, baseVersion: 1, diff: proposal.diff });
      assert.equal(approved.data.proposalId, proposal.id);
      assert.equal(approved.data.fromVersion, 1);
      assert.equal(approved.data.toVersion, 2);
      assert.equal(approved.data.proposedBy, 'staff:staff-alice');
      assert.match(approved.data.diff, /^--- policies v1\n\+\+\+ policies v2\n@@ /);
      assert.match(approved.data.diff, /^\+permit \(principal, action == Action::"aggregate", resource\)/m);

      // The other node still answers from version 1 until it refreshes.
      assert.equal(node.engine.decide(aggregateBySecurity).allow, false);
      assert.equal(await node.service.refresh(), true);
      assert.equal(node.engine.version, 2);
      assert.equal(node.engine.decide(aggregateBySecurity).allow, true);
      assert.equal(await node.service.refresh(), false);
    });

    test('a proposal written against an older version cannot be approved; rejection is ledgered', async () => {
      const first = await t.custos.policies.propose(alice, defaultPolicies);
      const second = await t.custos.policies.propose(bob, `${securityAggregates}\n// a comment\n`);
      assert.match(first.diff, /^-@id\("security\.aggregates"\)$/m);
      assert.equal((await t.custos.policies.approve(bob, first.id)).version, 3);
      assert.equal(t.custos.policyEngine.decide(aggregateBySecurity).allow, false);
      await assert.rejects(t.custos.policies.approve(alice, second.id), (e) =>
        isCustosError(e, 'VERSION_CONFLICT'),
      );

      const size = t.custos.ledger.size();
      await assert.rejects(t.custos.policies.reject(sam, second.id), (e) => isCustosError(e, 'FORBIDDEN'));
      await t.custos.policies.reject(bob, second.id);
      await assert.rejects(t.custos.policies.reject(bob, second.id), (e) =>
        isCustosError(e, 'VERSION_CONFLICT'),
      );
      await assert.rejects(t.custos.policies.approve(alice, second.id), (e) =>
        isCustosError(e, 'VERSION_CONFLICT'),
      );
      const [rejected] = (await entriesSince(size)) as [LedgerEntry<'policy.rejected'>];
      assert.equal(rejected.type, 'policy.rejected');
      assert.equal(rejected.actor, 'staff:staff-bob');
      assert.deepEqual(rejected.data, {
        proposalId: second.id,
        baseVersion: 2,
        proposedBy: 'staff:staff-bob',
        diff: second.diff,
      });
      assert.deepEqual(await t.custos.policies.pending(alice), []);
    });

    test('two approvals racing for the same version: exactly one wins', async () => {
      const a = await t.custos.policies.propose(alice, securityAggregates);
      const b = await t.custos.policies.propose(alice, `${securityAggregates}\n// b\n`);
      const results = await Promise.allSettled([
        t.custos.policies.approve(bob, a.id),
        t.custos.policies.approve(bob, b.id),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(isCustosError(failed.reason, 'VERSION_CONFLICT'));
      assert.equal(t.custos.policyEngine.version, 4);
      assert.equal(await createPolicyStore(t.custos.database.db).liveVersion(), 4);
    });

    test('another node picks up a new version in the background', async () => {
      const node = otherNode();
      await node.service.load();
      const errors: unknown[] = [];
      const stop = runEvery(
        10,
        () => node.service.refresh(),
        (error) => errors.push(error),
      );
      try {
        const proposal = await t.custos.policies.propose(alice, `${defaultPolicies}\n// background\n`);
        const { version } = await t.custos.policies.approve(bob, proposal.id);
        for (let waited = 0; node.engine.version !== version && waited < 5000; waited += 10) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(node.engine.version, version);
        assert.deepEqual(errors, []);
      } finally {
        stop();
      }
    });

    test('a change needs a fresh step-up, checked by the service before anything else', async () => {
      const stale = (p: StaffPrincipal): StaffPrincipal => ({
        ...p,
        session: { ...p.session, stepUpAt: Date.now() - 6 * 60_000 },
      });
      const proposal = await t.custos.policies.propose(alice, `${defaultPolicies}\n// step-up\n`);
      const size = t.custos.ledger.size();
      for (const change of [
        () => t.custos.policies.propose(stale(alice), `${defaultPolicies}\n// stale\n`),
        () => t.custos.policies.propose(stale(sam), `${defaultPolicies}\n// stale\n`),
        () => t.custos.policies.approve(stale(bob), proposal.id),
        () => t.custos.policies.reject(stale(bob), proposal.id),
      ]) {
        await assert.rejects(change(), (e) => isCustosError(e, 'STEP_UP_REQUIRED'));
      }
      assert.equal(t.custos.ledger.size(), size, 'a refused change records nothing');
      assert.equal((await t.custos.policies.live(stale(alice))).version, t.custos.policyEngine.version);
      await t.custos.policies.reject(alice, proposal.id);
    });

    test('ids that are not proposal ids, SQL in them included, find nothing', async () => {
      for (const id of ["' or '1'='1", "x'); drop table policy_versions; --", '']) {
        await assert.rejects(t.custos.policies.approve(bob, id), (e) => isCustosError(e, 'NOT_FOUND'));
        assert.equal(await createPolicyStore(t.custos.database.db).proposal(id), undefined);
      }
      assert.equal(await createPolicyStore(t.custos.database.db).liveVersion(), 5);
    });
  });
}
