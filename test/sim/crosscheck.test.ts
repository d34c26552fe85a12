/**
 * Cross-check of the simulator's decision path against the HTTP stack: test/watch/watcher.http.test.ts
 * plays a support clerk harvesting phones through fabricated cases over the real app and counts 3 leaked,
 * then held (17 points a cold reveal: high at the 3rd). The same harvest through the simulator's parts — the
 * real risk model, `containReveal`, `limitsAt` and the quota windows, in the engine's order — must count the
 * same.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containReveal } from '../../sim/gate.ts';
import { createQuotaWindows, limitsAt } from '../../sim/quota-windows.ts';
import { createRiskModel } from '../../src/watch/risk/risk-model.ts';

const MIN = 60_000;

describe('simulator against the HTTP stack', () => {
  test('a fabricated-case harvester gets 3 phones, then the hold', () => {
    const model = createRiskModel();
    const quotas = createQuotaWindows();
    let at = Date.UTC(2026, 0, 5, 2); // 10:00 in China
    const refusals: string[] = [];
    let leaked = 0;
    for (let customer = 0; customer < 50 && refusals.length < 2; customer++) {
      at += 30_000;
      const tier = model.tierOf('clerk', at);
      const contained = containReveal(tier, false);
      if (!contained.allowed) {
        refusals.push(contained.refusedBy === 'approval' ? 'HELD' : 'SUSPENDED');
        break;
      }
      let quota = quotas.reveal(1, customer, at, limitsAt('support', tier));
      if (quota) {
        refusals.push('QUOTA_EXCEEDED');
        model.observe({ kind: 'denied', at, staffId: 'clerk', role: 'support', code: 'QUOTA_EXCEEDED' });
        at += 60 * MIN; // waits the hour, as the HTTP harvester does
        quota = quotas.reveal(1, customer, at, limitsAt('support', model.tierOf('clerk', at)));
        if (quota) break;
      }
      model.observe({
        kind: 'reveal',
        at,
        staffId: 'clerk',
        role: 'support',
        customerId: `c${customer}`,
        evidence: 'none',
        breakGlass: false,
      });
      leaked++;
    }
    assert.equal(leaked, 3);
    assert.deepEqual(refusals, ['HELD']);
  });

  test('a clerk whose customers read out presence codes is not contained (12 customers: 4 past the day’s allowance of 8 earn 20 points, under 25)', () => {
    const model = createRiskModel();
    const quotas = createQuotaWindows();
    let at = Date.UTC(2026, 0, 5, 1);
    for (let customer = 0; customer < 12; customer++) {
      at += 20 * MIN;
      const tier = model.tierOf('clerk', at);
      assert.deepEqual(containReveal(tier, true), { allowed: true, stepUp: false, approvalAsked: false });
      assert.equal(quotas.reveal(1, customer, at, limitsAt('store', tier)), undefined);
      model.observe({
        kind: 'reveal',
        at,
        staffId: 'clerk',
        role: 'store',
        customerId: `c${customer}`,
        evidence: 'presence_code',
        breakGlass: false,
      });
    }
  });
});
