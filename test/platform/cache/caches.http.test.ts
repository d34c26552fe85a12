/**
 * The in-memory caches in front of sessions, accounts, staff, cases and their assignees, quota overrides and
 * the policy set (platform/cache/) never answer from before a change: on both databases, each change is seen
 * by the very next request — made through the API, and made behind Custos's back by a second connection to
 * the same database (a DBA's UPDATE, another node), with the cache warmed by a request just before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { watcherObservesOnly } from '../../support/custos.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects, PG_URL } from '../../support/databases.ts';

/** A second connection to the suite's database, as a DBA would open it: plain SQL with `?` parameters. */
interface Dba {
  run(text: string, ...params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

async function dbaFor(f: AccessFixture): Promise<Dba> {
  const { database } = f.t;
  if (database.dialect === 'sqlite') {
    const native = new SQLite(database.url.slice('sqlite:'.length));
    native.pragma('busy_timeout = 5000');
    return {
      run: async (text, ...params) => void native.prepare(text).run(...params),
      close: async () => {
        native.close();
      },
    };
  }
  // No search path: the DBA names the schema, and the triggers must bump the versions of that schema.
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const schema = database.schema as string;
  return {
    async run(text, ...params) {
      let n = 0;
      const qualified = text
        .replace(
          /\b(update|into|from)\s+([a-z_]+)/g,
          (_m, verb: string, table: string) => `${verb} ${schema}.${table}`,
        )
        .replace(/\?/g, () => `$${++n}`);
      await client.query(qualified, params);
    },
    close: () => client.end(),
  };
}

for (const { dialect, skip } of await dialects()) {
  describe(`caches see the next change (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    let dba: Dba;
    let clockNow = Date.now();
    const clock = { now: () => clockNow };
    const view = (who: Staff, caseId: string) => f.send(who, 'GET', `/v1/cases/${caseId}/customer`);
    const stepUp = async (who: Staff) => {
      clockNow += 31_000;
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const reveal = (who: Staff, caseId: string) =>
      f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['phone'], reason: 'the customer asked' });
    /** A signed-in clerk with an open case whose masked view they just read (every cache warmed). */
    const warmClerk = async () => {
      const clerk = await f.staff('support');
      const caseId = await f.openCase(clerk, await f.customer());
      const first = await view(clerk, caseId);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await view(clerk, caseId)).status, 200);
      return { clerk, caseId };
    };
    const refused = (
      res: { status: number; body: { error?: { code: string } } },
      status: number,
      code: string,
    ) => assert.deepEqual([res.status, res.body?.error?.code], [status, code], JSON.stringify(res.body));

    before(async () => {
      f = await accessFixture(dialect, { clock, risk: watcherObservesOnly });
      dba = await dbaFor(f);
    });
    after(async () => {
      await dba?.close();
      await f?.close();
    });

    test('sessions: sign-out, and a revocation by another connection', async () => {
      const a = await warmClerk();
      assert.equal((await f.send(a.clerk, 'POST', '/v1/auth/sign-out')).status, 204);
      refused(await view(a.clerk, a.caseId), 401, 'AUTH_INVALID');

      const b = await warmClerk();
      await dba.run('update sessions set revoked_at = ? where account_id = ?', clockNow, b.clerk.accountId);
      refused(await view(b.clerk, b.caseId), 401, 'AUTH_INVALID');
    });

    test('accounts: a suspension through the API, and one by another connection', async () => {
      const a = await warmClerk();
      const suspend = await f.app.inject({
        method: 'POST',
        url: `/v1/staff/accounts/${a.clerk.accountId}/suspend`,
        headers: { authorization: `Bearer ${f.t.adminToken}` },
      });
      assert.ok(suspend.statusCode < 300, suspend.body);
      assert.notEqual((await view(a.clerk, a.caseId)).status, 200);

      const b = await warmClerk();
      await dba.run("update accounts set status = 'suspended' where id = ?", b.clerk.accountId);
      refused(await view(b.clerk, b.caseId), 403, 'ACCOUNT_SUSPENDED');
    });

    test('staff: a suspension and a role change by another connection', async () => {
      const a = await warmClerk();
      await dba.run("update staff set status = 'suspended' where id = ?", a.clerk.staffId);
      refused(await view(a.clerk, a.caseId), 403, 'ACCOUNT_SUSPENDED');

      const b = await warmClerk();
      await dba.run("update staff set role = 'marketing' where id = ?", b.clerk.staffId);
      assert.equal((await view(b.clerk, b.caseId)).status, 403);
    });

    test('cases: closed through the API, and closed by another connection', async () => {
      const a = await warmClerk();
      assert.equal((await f.send(a.clerk, 'POST', `/v1/cases/${a.caseId}/close`)).status, 200);
      assert.equal((await view(a.clerk, a.caseId)).status, 403);

      const b = await warmClerk();
      await dba.run("update cases set status = 'closed', closed_at = ? where id = ?", clockNow, b.caseId);
      assert.equal((await view(b.clerk, b.caseId)).status, 403);
    });

    test('case assignees: assigned through the API, unassigned by another connection', async () => {
      const a = await warmClerk();
      const colleague = await f.staff('support');
      assert.equal((await view(colleague, a.caseId)).status, 403, 'not assigned yet');
      const assign = await f.send(a.clerk, 'POST', `/v1/cases/${a.caseId}/assignees`, {
        staffId: colleague.staffId,
      });
      assert.ok(assign.status < 300, JSON.stringify(assign.body));
      assert.equal((await view(colleague, a.caseId)).status, 200, 'assigned: the next view is allowed');

      await dba.run(
        'delete from case_assignees where case_id = ? and staff_id = ?',
        a.caseId,
        a.clerk.staffId,
      );
      assert.equal((await view(a.clerk, a.caseId)).status, 403, 'unassigned: the next view is refused');
    });

    test('quota overrides: set through the API, lifted by another connection', async () => {
      const admin = await f.staff('admin');
      const { clerk, caseId } = await warmClerk();
      await stepUp(clerk);
      assert.equal((await reveal(clerk, caseId)).status, 200, 'the overrides (none) are in memory now');
      const set = await f.send(admin, 'PUT', `/v1/staff/${clerk.staffId}/quotas/reveal_hour`, { max: 1 });
      assert.equal(set.status, 204, JSON.stringify(set.body));
      const second = await f.openCase(clerk, await f.customer());
      await stepUp(clerk);
      refused(await reveal(clerk, second), 429, 'QUOTA_EXCEEDED');

      await dba.run(
        "update quota_overrides set max = 5 where staff_id = ? and quota = 'reveal_hour'",
        clerk.staffId,
      );
      assert.equal((await reveal(clerk, second)).status, 200, 'the raise counts on the next reveal');
    });

    test('policies: a set approved through the API, and one installed by another connection', async () => {
      const { clerk, caseId } = await warmClerk();
      const [proposer, approver] = [await f.staff('admin'), await f.staff('admin')];
      const live = await f.send(proposer, 'GET', '/v1/policies');
      assert.equal(live.status, 200, JSON.stringify(live.body));
      const noViews = `${live.body.text}\n@id("test.no-views")\nforbid (principal, action == Action::"view", resource);\n`;
      await stepUp(proposer);
      const proposal = await f.send(proposer, 'POST', '/v1/policies/proposals', { text: noViews });
      assert.equal(proposal.status, 201, JSON.stringify(proposal.body));
      await stepUp(approver);
      const approved = await f.send(approver, 'POST', `/v1/policies/proposals/${proposal.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal((await view(clerk, caseId)).status, 403, 'the approved set is in force on the next view');

      // Another node approves the previous text again: this node's next request decides under it.
      await dba.run(
        'insert into policy_versions (version, text, proposal_id, approved_by, created_at) values (?, ?, null, null, ?)',
        approved.body.version + 1,
        live.body.text,
        clockNow,
      );
      assert.equal((await view(clerk, caseId)).status, 200);
    });
  });
}
