/**
 * The risk model with hand-computed expectations (default settings: 17 points a cold unexplained reveal and
 * 1 a follow-up, 5 a customer beyond the day's allowance of max(8, 2 × baseline), 15 a break-glass, 2 a
 * refusal past 5 free, 2 a search miss past 3 free, 100 a honey touch; half-life one day, a week for the slow
 * indicators; tiers at 25, 50, 80). Each new indicator has its own test below.
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

  test('a fabricated-case harvester: elevated at the 2nd cold reveal, high at the 3rd, critical at the 5th', () => {
    const model = createRiskModel();
    const tiers: string[] = [];
    for (let i = 1; i <= 5; i++) {
      model.observe(reveal('s', i));
      tiers.push(model.tierOf('s', T0));
    }
    assert.deepEqual(tiers, [
      'normal', // 17
      'elevated', // 34
      'high', // 51
      'high', // 68
      'critical', // 85
    ]);
    assert.deepEqual(model.assess('s', T0), {
      staffId: 's',
      score: 85,
      tier: 'critical',
      contributions: [{ indicator: 'unexplained_reveals', value: 5, baseline: 0, points: 85 }],
    });
  });

  test('the same customer revealed again the same day counts once', () => {
    const model = createRiskModel();
    for (let i = 0; i < 10; i++) model.observe(reveal('s', 1, T0 + i * 1000));
    assert.equal(model.assess('s', T0 + 10_000).score, 17);
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

  test('noisy points halve every day: a burst of follow-ups fades, the tier relaxes', () => {
    const model = createRiskModel();
    // 30 follow-ups: 1 point each, and 22 customers beyond the allowance of 8 at 5 points: 30 + 110 → 100.
    for (let i = 1; i <= 30; i++) model.observe(reveal('s', i, T0, 'none', { context: { followUp: true } }));
    assert.deepEqual(
      [0, 1, 2, 3].map((days) => {
        const a = model.assess('s', T0 + days * DAY);
        return [a.score, a.tier];
      }),
      [
        [100, 'critical'], // 140 capped
        [70, 'high'],
        [35, 'elevated'],
        [17.5, 'normal'],
      ],
    );
  });

  test('cold reveals are remembered a week: two of them are 34 today, 17 in a week, 8.5 in two', () => {
    const model = createRiskModel();
    model.observe(reveal('s', 1));
    model.observe(reveal('s', 2));
    assert.deepEqual(
      [0, 7, 14].map((days) => model.assess('s', T0 + days * DAY).score),
      [34, 17, 8.5],
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

  test('a follow-up earns 1 point; out of region and off shift 4 each on top, whether cold or not', () => {
    const model = createRiskModel();
    model.observe(reveal('s', 1, T0, 'none', { context: { followUp: true } }));
    model.observe(reveal('s', 2, T0, 'none', { context: { followUp: true, outOfRegion: true } }));
    model.observe(reveal('s', 3, T0, 'none', { context: { followUp: true, offShift: true } }));
    // The customer asked: none of it counts.
    model.observe(reveal('s', 4, T0, 'presence_code', { context: { outOfRegion: true, offShift: true } }));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'out_of_region', value: 1, baseline: 0, points: 4 },
      { indicator: 'off_shift', value: 1, baseline: 0, points: 4 },
      { indicator: 'follow_ups', value: 3, baseline: 0, points: 3 },
    ]);
  });

  test('a VIP or co-worker revealed cold earns 30 on top of the 17 (elevated at once), a same-surname customer 7', () => {
    const model = createRiskModel();
    model.observe(reveal('s', 1, T0, 'none', { context: { special: 'vip' } }));
    assert.deepEqual(model.assess('s', T0), {
      staffId: 's',
      score: 47,
      tier: 'elevated',
      contributions: [
        { indicator: 'special_customers', value: 1, baseline: 0, points: 30 },
        { indicator: 'unexplained_reveals', value: 1, baseline: 0, points: 17 },
      ],
    });
    // The same surname is common (王, 李, 张 …): 17 + 7 = 24, still normal; the watcher alerts it all the same.
    const namesake = createRiskModel();
    namesake.observe(reveal('n', 1, T0, 'none', { context: { special: 'same_surname' } }));
    assert.deepEqual([namesake.assess('n', T0).score, namesake.tierOf('n', T0)], [24, 'normal']);
    // A VIP who came to the counter, or who called last week, is served without a point.
    const other = createRiskModel();
    other.observe(reveal('t', 1, T0, 'presence_code', { context: { special: 'vip' } }));
    other.observe(reveal('t', 2, T0, 'none', { context: { special: 'vip', followUp: true } }));
    assert.equal(other.assess('t', T0).score, 1, 'only the follow-up point');
  });

  test('cases with a reveal closed with no resolution: two a day are free, then 3 points each', () => {
    const model = createRiskModel();
    const closed = (resolved: boolean, revealed: boolean): WatchEvent => ({
      kind: 'case_closed',
      at: T0,
      staffId: 's',
      role: 'support',
      resolved,
      revealed,
    });
    for (let i = 0; i < 5; i++) model.observe(closed(true, true));
    for (let i = 0; i < 5; i++) model.observe(closed(false, false)); // nothing revealed: nothing harvested
    for (let i = 0; i < 4; i++) model.observe(closed(false, true));
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'no_resolution', value: 4, baseline: 2, points: 6 },
    ]);
  });

  test('patterned searches: one a day is free, then 5 points each; misses count as well', () => {
    const model = createRiskModel();
    for (let i = 0; i < 6; i++)
      model.observe({
        kind: 'search',
        at: T0,
        staffId: 's',
        role: 'support',
        matches: i % 2,
        patterned: true,
      });
    // 5 patterned past the free one: 25; 3 misses, all free.
    assert.deepEqual(model.assess('s', T0).contributions, [
      { indicator: 'patterned_searches', value: 6, baseline: 1, points: 25 },
    ]);
    assert.equal(model.tierOf('s', T0), 'elevated');
  });

  test('within 30 days of hiring or after a resignation notice, a staff-initiated reveal earns 6 more', () => {
    const model = createRiskModel();
    const hr = (staffId: string, signal: 'hired' | 'resignation_notice', at: number): WatchEvent => ({
      kind: 'hr',
      at,
      staffId,
      role: 'support',
      signal,
    });
    model.observe(hr('new', 'hired', T0 - 29 * DAY));
    model.observe(reveal('new', 1, T0, 'none', { context: { followUp: true } }));
    model.observe(hr('old', 'hired', T0 - 31 * DAY));
    model.observe(reveal('old', 1, T0, 'none', { context: { followUp: true } }));
    model.observe(hr('leaving', 'resignation_notice', T0 - 60 * DAY));
    model.observe(reveal('leaving', 1, T0, 'none', { context: { followUp: true } }));
    model.observe(reveal('leaving', 2, T0, 'presence_code'));
    assert.deepEqual(
      ['new', 'old', 'leaving'].map((id) => model.assess(id, T0).score),
      [7, 1, 7],
    );
  });

  test('two members revealing one customer cold within 14 days, on different cases, both earn 10', () => {
    const model = createRiskModel();
    model.observe(reveal('a', 1, T0, 'none', { caseId: 'case-a' }));
    model.observe(reveal('b', 1, T0 + 13 * DAY, 'none', { caseId: 'case-b' }));
    // a: 17 × 2^(-13/7) + 10 = 4.68… + 10; b: 17 + 10.
    assert.deepEqual(
      ['a', 'b'].map((id) => model.assess(id, T0 + 13 * DAY).score),
      [14.7, 27],
    );
    // On one shared case, or 15 days apart, nothing is shared.
    const other = createRiskModel();
    other.observe(reveal('a', 1, T0, 'none', { caseId: 'case-1' }));
    other.observe(reveal('b', 1, T0, 'none', { caseId: 'case-1' }));
    other.observe(reveal('a', 2, T0, 'none', { caseId: 'case-2' }));
    other.observe(reveal('b', 2, T0 + 15 * DAY, 'none', { caseId: 'case-3' }));
    assert.deepEqual(
      other.assess('b', T0 + 15 * DAY).contributions.map((c) => c.indicator),
      ['unexplained_reveals'],
    );
  });

  test('a second hold within 30 days earns 30: waiting out a hold and going on is critical', () => {
    const model = createRiskModel();
    for (let i = 1; i <= 3; i++) model.observe(reveal('s', i)); // 51: high
    assert.equal(model.tierOf('s', T0), 'high');
    // A week later: 25.5, elevated. Two more cold reveals: 59.5, a new hold → + 30 = 89.5.
    const later = T0 + 7 * DAY;
    assert.equal(model.tierOf('s', later), 'elevated');
    model.observe(reveal('s', 5, later));
    model.observe(reveal('s', 6, later));
    const a = model.assess('s', later);
    assert.equal(a.tier, 'critical');
    assert.deepEqual(a.contributions[1], { indicator: 'repeat_hold', value: 1, baseline: 0, points: 30 });
  });

  test('triage feedback divides an indicator’s new points by its factor, between 1 and 2', () => {
    const model = createRiskModel();
    model.dampen('unexplained_reveals', 2);
    model.observe(reveal('s', 1));
    assert.equal(model.assess('s', T0).score, 8.5);
    model.dampen('unexplained_reveals', 9);
    assert.equal(model.damping('unexplained_reveals'), 2, 'clamped');
    model.dampen('unexplained_reveals', 0.1);
    assert.equal(model.damping('unexplained_reveals'), 1, 'never sharper than the default');
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
