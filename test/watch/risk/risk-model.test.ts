/**
 * The risk model with hand-computed expectations (default settings: 6 points an unexplained reveal, 5 a
 * customer beyond the day's allowance of max(8, 2 × baseline), 15 a break-glass, 2 a refusal past 5 free,
 * 2 a search miss past 3 free, 100 a honey touch; half-life one day; tiers at 25, 50, 80).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRiskModel, tierFor } from '../../../src/watch/risk/risk-model.ts';
import type { EvidenceKind, WatchEvent } from '../../../src/watch/risk/risk.types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 10:00 in China (UTC+8) on some day: the watcher's day starts at 16:00 UTC the day before. */
const T0 = Date.UTC(2026, 11, 2, 2, 0, 0);

const reveal = (
  staffId: string,
  customer: number,
  at = T0,
  evidence: EvidenceKind = 'none',
  extra: Partial<WatchEvent> = {},
): WatchEvent =>
  ({
    kind: 'reveal',
    at,
    staffId,
    role: 'support',
    customerId: `customer-${customer}`,
    evidence,
    breakGlass: false,
    ...extra,
  }) as WatchEvent;

describe('risk model', () => {
  test('an unknown staff member is normal with nothing to explain', () => {
    assert.deepEqual(createRiskModel().assess('nobody', T0), {
      staffId: 'nobody',
      score: 0,
      tier: 'normal',
      contributions: [],
    });
  });

  test('tiers start at their thresholds', () => {
    const t = { elevated: 25, high: 50, critical: 80 };
    assert.deepEqual(
      [0, 24.9, 25, 49.9, 50, 79.9, 80, 100].map((score) => tierFor(score, t)),
      ['normal', 'normal', 'elevated', 'elevated', 'high', 'high', 'critical', 'critical'],
    );
  });

  test('a fabricated-case harvester: elevated at the 5th unexplained reveal, high at the 9th, critical at the 11th', () => {
    const model = createRiskModel();
    const tiers: string[] = [];
    for (let i = 1; i <= 11; i++) {
      model.observe(reveal('s', i));
      tiers.push(model.tierOf('s', T0));
    }
    assert.deepEqual(tiers, [
      'normal', // 6
      'normal', // 12
      'normal', // 18
      'normal', // 24
      'elevated', // 30
      'elevated', // 36
      'elevated', // 42
      'elevated', // 48
      'high', // 54 + 5 (9 > allowance 8) = 59
      'high', // 60 + 10 = 70
      'critical', // 66 + 15 = 81
    ]);
    assert.deepEqual(model.assess('s', T0), {
      staffId: 's',
      score: 81,
      tier: 'critical',
      contributions: [
        { indicator: 'unexplained_reveals', value: 11, baseline: 0, points: 66 },
        { indicator: 'distinct_customers', value: 11, baseline: 8, points: 15 },
      ],
    });
  });

  test('the same customer revealed again the same day counts once', () => {
    const model = createRiskModel();
    for (let i = 0; i < 10; i++) model.observe(reveal('s', 1, T0 + i * 1000));
    assert.equal(model.assess('s', T0 + 10_000).score, 6);
  });

  test('reveals the customer started earn nothing until the day passes its allowance', () => {
    const model = createRiskModel();
    for (let i = 1; i <= 8; i++) model.observe(reveal('s', i, T0, 'presence_code'));
    assert.equal(model.assess('s', T0).score, 0);
    model.observe(reveal('s', 9, T0, 'inbound_call'));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'distinct_customers', value: 9, baseline: 8, points: 5 },
    ]);
  });

  test('points halve every day: a burst fades, the tier relaxes', () => {
    const model = createRiskModel();
    for (let i = 1; i <= 5; i++) model.observe(reveal('s', i));
    assert.deepEqual(
      [0, 1, 2].map((days) => {
        const a = model.assess('s', T0 + days * DAY);
        return [a.score, a.tier];
      }),
      [
        [30, 'elevated'],
        [15, 'normal'],
        [7.5, 'normal'],
      ],
    );
  });

  test('the allowance follows the member’s own baseline and their peers’, whichever is larger', () => {
    const model = createRiskModel();
    // Day 0: a busy colleague reveals 20 customers, all present.
    for (let i = 1; i <= 20; i++) model.observe(reveal('busy', i, T0, 'presence_code'));
    // Day 1: the colleague's first day closes at their first act: baseline 20, the role's peer baseline 20.
    model.observe(reveal('busy', 1, T0 + DAY, 'presence_code'));
    assert.deepEqual(model.baselines('busy'), { own: 20, peer: 20 });
    // A newcomer of the same role may reveal 2 × 20 = 40 present customers before the indicator counts.
    for (let i = 101; i <= 140; i++) model.observe(reveal('new', i, T0 + DAY, 'presence_code'));
    assert.equal(model.assess('new', T0 + DAY).score, 0);
    model.observe(reveal('new', 141, T0 + DAY, 'presence_code'));
    assert.deepEqual(model.assess('new', T0 + DAY).contributions, [
      { indicator: 'distinct_customers', value: 41, baseline: 40, points: 5 },
    ]);
  });

  test('the baseline is a weighted mean over days, empty days counting as none', () => {
    const model = createRiskModel();
    for (let i = 1; i <= 20; i++) model.observe(reveal('s', i, T0, 'presence_code'));
    model.observe(reveal('s', 1, T0 + DAY, 'presence_code')); // day 0 closes: 20
    assert.equal(model.baselines('s').own, 20);
    // Day 1 closes with 1 customer, days 2 and 3 are empty, day 4 is today:
    // 0.9 × 20 + 0.1 × 1 = 18.1, then × 0.9² = 14.661.
    model.observe(reveal('s', 2, T0 + 4 * DAY, 'presence_code'));
    assert.ok(Math.abs(model.baselines('s').own! - 14.661) < 1e-9);
  });

  test('a role change takes the baseline to the new peers', () => {
    const model = createRiskModel();
    for (let i = 1; i <= 10; i++) model.observe(reveal('s', i, T0, 'presence_code'));
    model.observe(reveal('s', 1, T0 + DAY, 'presence_code'));
    assert.deepEqual(model.baselines('s'), { own: 10, peer: 10 });
    model.observe({ ...reveal('s', 2, T0 + DAY, 'presence_code'), role: 'store' } as WatchEvent);
    model.observe(reveal('other', 1, T0 + DAY, 'presence_code'));
    assert.deepEqual(model.baselines('s'), { own: 10, peer: 10 });
    assert.deepEqual(model.baselines('other'), { own: null, peer: 0 }, 'support has no baseline left');
  });

  test('break-glass earns 15 a customer, whatever the evidence', () => {
    const model = createRiskModel();
    model.observe(reveal('s', 1, T0, 'none', { breakGlass: true }));
    model.observe(reveal('s', 2, T0, 'none', { breakGlass: true }));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'break_glass', value: 2, baseline: 0, points: 30 },
    ]);
  });

  test('refusals: five a day are free, then 2 points each', () => {
    const model = createRiskModel();
    const denied = (at: number): WatchEvent => ({
      kind: 'denied',
      at,
      staffId: 's',
      role: 'store',
      code: 'QUOTA_EXCEEDED',
    });
    for (let i = 0; i < 5; i++) model.observe(denied(T0));
    assert.equal(model.assess('s', T0).score, 0);
    for (let i = 0; i < 3; i++) model.observe(denied(T0));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'refusals', value: 8, baseline: 5, points: 6 },
    ]);
  });

  test('searches that find nobody: three a day are free, then 2 points each; hits earn nothing', () => {
    const model = createRiskModel();
    const search = (matches: number): WatchEvent => ({
      kind: 'search',
      at: T0,
      staffId: 's',
      role: 'store',
      matches,
    });
    for (let i = 0; i < 10; i++) model.observe(search(1));
    for (let i = 0; i < 13; i++) model.observe(search(0));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'search_misses', value: 13, baseline: 3, points: 20 },
    ]);
  });

  test('a honey record touched is critical at once', () => {
    const model = createRiskModel();
    model.observe({ kind: 'honey_touch', at: T0, staffId: 's', role: 'store', customerId: 'h' });
    const a = model.assess('s', T0);
    assert.equal(a.tier, 'critical');
    assert.equal(a.score, 100);
  });

  test('the same events give the same assessment: state can be rebuilt by replay', () => {
    const events: WatchEvent[] = [];
    for (let d = 0; d < 5; d++)
      for (let i = 0; i < 12; i++)
        events.push(reveal('s', d * 100 + i, T0 + d * DAY + i * HOUR, i % 3 ? 'presence_code' : 'none'));
    const a = createRiskModel();
    const b = createRiskModel();
    for (const e of events) a.observe(e);
    for (const e of events) b.observe(e);
    const at = T0 + 5 * DAY;
    assert.deepEqual(a.assess('s', at), b.assess('s', at));
    assert.ok(a.assess('s', at).score > 0, 'the sample is not trivially zero');
  });

  test('state stays under 1 KB a staff member, however many customers a day', () => {
    const model = createRiskModel();
    for (let i = 0; i < 5000; i++) model.observe(reveal('s', i, T0, 'presence_code'));
    assert.ok(model.bytesPerStaff('s') <= 1024, `${model.bytesPerStaff('s')} bytes`);
    assert.equal(
      model.assess('s', T0).contributions[0]?.value,
      5000,
      'the day count still grows past the set',
    );
  });
});
