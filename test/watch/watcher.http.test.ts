/**
 * The watcher over HTTP, played as the 2017 ring played it: a support clerk opens cases for customers
 * nobody asked about and reveals their phones. With the default settings (17 points a cold reveal) the clerk
 * is elevated at the 2nd such reveal (each reveal then spends its own second factor, quotas halve), held after
 * the 3rd (each reveal needs a second person's approval, security alerted), and suspended when they keep probing. A clerk whose customers
 * are present (presence codes) serves as many without friction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCustos } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { createLogger } from '../../src/platform/logger.ts';

import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { dialects } from '../support/databases.ts';

// The tier is the watcher's, in memory; the reveal path reads it on every request. Both databases: a raised
// tier holds the very next reveal whichever one the caches in front of the stores sit on.
for (const { dialect, skip } of await dialects())
  describe(`watcher over HTTP (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    let clockNow = Date.now();
    const clock = { now: () => clockNow };
    const stepUp = async (who: Staff) => {
      clockNow += 30_000; // a new TOTP step for each step-up (codes are used once)
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    const reveal = (who: Staff, caseId: string) =>
      f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['phone'], reason: 'follow-up call' });
    const entriesOfType = async (type: string) => {
      const found = [];
      for (let i = 0; i < f.t.custos.ledger.size(); i++) {
        const { entry } = await f.t.custos.ledger.entry(i);
        if (entry?.type === type) found.push(entry);
      }
      return found;
    };

    before(async () => {
      f = await accessFixture(dialect, { clock });
    });
    after(() => f?.close());

    /**
     * Reveal phones through fabricated cases, one customer each, stepping up before each; when the (halved)
     * hourly quota refuses, wait an hour and go on. Stops at the first refusal that is not the quota.
     */
    const harvest = async (clerk: Staff, max: number) => {
      let leaked = 0;
      const refusals: string[] = [];
      while (leaked < max) {
        const caseId = await f.openCase(clerk, await f.customer());
        await stepUp(clerk);
        let res = await reveal(clerk, caseId);
        if (res.status === 429) {
          refusals.push(res.body.error.code);
          for (let i = 0; i < 6; i++) {
            clockNow += 10 * 60_000; // an hour, the session kept alive (15 minutes idle ends it)
            assert.equal((await f.send(clerk, 'GET', '/v1/auth/session')).status, 200);
          }
          await stepUp(clerk);
          res = await reveal(clerk, caseId);
        }
        await f.t.custos.watch.watcher.settled();
        if (res.status !== 200) return { leaked, refusals: [...refusals, res.body.error.code as string] };
        leaked += 1;
      }
      return { leaked, refusals };
    };

    test('a fabricated-case harvester gets 3 phones, then is held', async () => {
      const clerk = await f.staff('support');
      const { leaked, refusals } = await harvest(clerk, 50);
      // 17 points a cold reveal: elevated at the 2nd (34), high at the 3rd (51); the 4th is held.
      assert.equal(leaked, 3);
      assert.deepEqual(refusals, ['RISK_HOLD']);
      const cases = [await f.openCase(clerk, await f.customer())];
      await stepUp(clerk);

      const held = await reveal(clerk, cases[0] as string);
      assert.equal(held.status, 403);
      assert.equal(held.body.error.code, 'RISK_HOLD');
      assert.deepEqual(
        held.body.error.details.map((d: { path: string }) => d.path),
        ['tier', 'unexplained_reveals'],
        'the clerk is told why, indicator by indicator',
      );

      const me = await f.send(clerk, 'GET', '/v1/watch/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.tier, 'high');
      assert.ok(me.body.score >= 50 && me.body.score < 80, String(me.body.score));

      const changes = (await entriesOfType('risk.tier_changed')).map((e) => {
        const data = e.data as { staffId: string; from: string; to: string };
        return [data.staffId, data.from, data.to];
      });
      assert.deepEqual(changes, [
        [clerk.staffId, 'normal', 'elevated'],
        [clerk.staffId, 'elevated', 'high'],
      ]);
      const alerts = (await entriesOfType('alert.raised')).map(
        (e) => e.data as { kind: string; severity: string },
      );
      assert.deepEqual(alerts, [
        {
          alertId: (alerts[0] as { alertId?: string }).alertId,
          kind: 'risk_tier',
          staffId: clerk.staffId,
          severity: 'high',
        },
      ]);
    });

    test('held at high: only a reveal a second person approved goes through, each approval once', async () => {
      const clerk = await f.staff('support');
      const approver = await f.staff('security');
      assert.equal((await harvest(clerk, 50)).leaked, 3);
      assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'high');
      const caseId = await f.openCase(clerk, await f.customer());
      await stepUp(clerk);
      const refused = await reveal(clerk, caseId);
      assert.deepEqual([refused.status, refused.body.error.code], [403, 'RISK_HOLD']);
      assert.match(refused.body.error.message, /second person to approve each reveal/);

      await stepUp(clerk);
      const asked = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal-approvals`, {
        fields: ['phone'],
        reason: 'the customer asked for a call back',
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      // The approver sees that nothing shows the customer asked: the case is staff-initiated.
      const pending = await f.send(approver, 'GET', '/v1/reveal-approvals/pending');
      const shown = pending.body.approvals.find((a: { id: string }) => a.id === asked.body.id);
      assert.equal(shown?.evidence, 'none');
      await stepUp(approver);
      const approved = await f.send(approver, 'POST', `/v1/reveal-approvals/${asked.body.id}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const withApproval = () =>
        f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
          fields: ['phone'],
          reason: 'the customer asked for a call back',
          approvalId: asked.body.id,
        });
      await stepUp(clerk);
      const served = await withApproval();
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal(served.body.risk.tier, 'high');
      await stepUp(clerk);
      const again = await withApproval();
      assert.equal(again.status, 403, 'the approval was used');
    });

    test('elevated: the next answer says why; one step-up buys one reveal, and two reveals racing on it get one', async () => {
      const clerk = await f.staff('support');
      const cases: string[] = [];
      for (let i = 0; i < 8; i++) cases.push(await f.openCase(clerk, await f.customer()));
      for (let i = 0; i < 2; i++) {
        await stepUp(clerk);
        assert.equal((await reveal(clerk, cases[i] as string)).status, 200);
      }
      await f.t.custos.watch.watcher.settled();
      assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'elevated');
      await stepUp(clerk);
      // Two reveals race on one step-up: one wins (51: high), the other is refused before it reveals anything.
      const race = await Promise.all([reveal(clerk, cases[2] as string), reveal(clerk, cases[3] as string)]);
      assert.deepEqual(race.map((r) => r.status).sort(), [200, 401]);
      const served = race.find((r) => r.status === 200)?.body;
      assert.equal(served.risk.tier, 'elevated', 'the answer itself carries the tier');
      assert.deepEqual(
        served.risk.explanation.map((d: { path: string }) => d.path),
        ['tier', 'unexplained_reveals'],
      );
      await stepUp(clerk);
      const again = await reveal(clerk, cases[7] as string);
      assert.equal(again.body.error.code, 'RISK_HOLD', 'the winner took the clerk to high: held');
      assert.match(
        again.body.error.details[1].problem,
        /^3 customers revealed today with no sign the customer started it/,
      );
    });

    test('a clerk whose customers are present reveals eight without friction', async () => {
      const clerk = await f.staff('support');
      for (let i = 0; i < 8; i++) {
        const customerId = await f.customer();
        const { code } = await f.t.custos.access.presenceCodes.issue(
          { type: 'customer' as const, id: customerId },
          customerId,
        );
        const caseId = await f.openCase(clerk, customerId, 'repair', { presenceCode: code });
        const res = await reveal(clerk, caseId);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      await f.t.custos.watch.watcher.settled();
      const me = await f.send(clerk, 'GET', '/v1/watch/me');
      assert.deepEqual([me.body.tier, me.body.score], ['normal', 0]);
      const revealed = (await entriesOfType('customer.revealed')).filter(
        (e) => e.actor === `staff:${clerk.staffId}`,
      );
      assert.deepEqual(
        revealed.map((e) => (e.data as { evidence: string }).evidence),
        Array(8).fill('presence_code'),
        'the ledger says the customer started each one',
      );
    });

    test('a held clerk who keeps probing is suspended: sessions end, security is alerted at critical', async () => {
      const clerk = await f.staff('support');
      const other = await f.staff('support');
      const foreign = await f.openCase(other, await f.customer());
      assert.equal((await harvest(clerk, 50)).leaked, 3);
      assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'high');
      // At 51 points; refusals earn 2 each past 5 free a day: about 20 more pass 80.
      let last = 0;
      for (let i = 0; i < 30 && f.t.custos.watch.watcher.tierOf(clerk.staffId) !== 'critical'; i++) {
        last = (await f.send(clerk, 'GET', `/v1/cases/${foreign}/customer`)).status;
        await f.t.custos.watch.watcher.settled();
      }
      assert.equal(last, 403);
      assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'critical');
      const after = await f.send(clerk, 'GET', '/v1/cases');
      assert.equal(after.status, 401, 'every session of the account ended');
      const alerts = (await entriesOfType('alert.raised'))
        .map((e) => e.data as { staffId: string; severity: string })
        .filter((a) => a.staffId === clerk.staffId);
      assert.deepEqual(
        alerts.map((a) => a.severity),
        ['high', 'critical'],
      );
      assert.equal((await entriesOfType('account.suspended')).length >= 1, true);
    });

    test('a restart in the middle of a harvest keeps the harvester held: the watcher rebuilds from the ledger', async () => {
      const clerk = await f.staff('support');
      assert.equal((await harvest(clerk, 50)).leaked, 3);
      const pending = await f.openCase(clerk, await f.customer());
      await f.t.custos.close();

      const restarted = await createCustos(f.t.config, {
        clock,
        logger: createLogger('silent'),
        database: f.t.database.schema ? { schema: f.t.database.schema, poolSize: 4 } : {},
      });
      f.t.custos = restarted; // the fixture closes this one
      const app = await buildServer(restarted.server());
      try {
        assert.equal(restarted.watch.watcher.tierOf(clerk.staffId), 'high');
        clockNow += 30_000;
        const stepped = await app.inject({
          method: 'POST',
          url: '/v1/auth/step-up',
          headers: { authorization: `Bearer ${clerk.token}` },
          payload: { code: totp(clerk.secret, clockNow) },
        });
        assert.equal(stepped.statusCode, 204, 'the session survived the restart');
        const res = await app.inject({
          method: 'POST',
          url: `/v1/cases/${pending}/reveal`,
          headers: { authorization: `Bearer ${clerk.token}` },
          payload: { fields: ['phone'], reason: 'follow-up call' },
        });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().error.code, 'RISK_HOLD');
        await restarted.watch.watcher.settled();
        const changes = [];
        for (let i = 0; i < restarted.ledger.size(); i++) {
          const { entry } = await restarted.ledger.entry(i);
          const data = entry?.data as { staffId?: string; to?: string } | undefined;
          if (entry?.type === 'risk.tier_changed' && data?.staffId === clerk.staffId) changes.push(data.to);
        }
        assert.deepEqual(changes, ['elevated', 'high'], 'no tier change is ledgered twice after the restart');
      } finally {
        await app.close();
      }
    });
  });
