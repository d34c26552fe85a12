/**
 * Each attack strategy plans the acts it claims, and honest work looks like honest work — checked on the
 * planned acts themselves, before any gate decides them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Act } from '../../sim/act.ts';
import { createOrganisation, type Organisation } from '../../sim/organisation.ts';
import { createRandom } from '../../sim/random.ts';
import { createStrategies } from '../../sim/strategies/index.ts';
import type { Strategy } from '../../sim/strategies/strategy.ts';
import { defaultWorkload, planHonestDay } from '../../sim/workload.ts';

const org = createOrganisation({ staff: 400, customers: 40_000, seed: 5 });

function strategiesOf(o: Organisation): Strategy[] {
  const taken = new Set<number>();
  return createStrategies({
    org: o,
    seed: 5,
    recruit(count, accept = () => true) {
      const picked: number[] = [];
      for (let s = 0; s < o.staffCount && picked.length < count; s++)
        if (!taken.has(s) && accept(s)) {
          taken.add(s);
          picked.push(s);
        }
      return picked;
    },
  });
}

function plan(strategy: Strategy, days: number): Act[] {
  const acts: Act[] = [];
  for (let day = 0; day < days; day++) strategy.planDay(acts, day);
  return acts;
}

const byName = (name: string) => strategiesOf(org).find((s) => s.name === name)!;

describe('attack strategies', () => {
  test('no staff member is recruited twice', () => {
    const all = strategiesOf(org).flatMap((s) => [...s.members, ...(s.others ?? [])]);
    assert.equal(new Set(all).size, all.length);
  });

  test('the ring: 20 members, five in each of four regions, distinct customers, and a buyer fired before the run', () => {
    const ring = byName('ring');
    assert.equal(ring.members.length, 20);
    const perRegion = new Map<number, number>();
    for (const s of ring.members)
      perRegion.set(org.staffRegion[s]!, (perRegion.get(org.staffRegion[s]!) ?? 0) + 1);
    assert.deepEqual([...perRegion.values()], [5, 5, 5, 5]);
    const acts = plan(ring, 10);
    const reveals = acts.filter((a) => a.kind === 'reveal');
    assert.ok(reveals.length >= 20 * 4 * 5, `${reveals.length} reveals over 10 days`);
    assert.equal(new Set(reveals.map((a) => a.customer)).size, reveals.length, 'each customer once');
    assert.ok(reveals.every((a) => a.evidence === 'none'));
    // Each member takes customers of their own region.
    assert.ok(reveals.every((a) => org.customerRegion[a.customer] === org.staffRegion[a.staff]));
    const hr = acts.filter((a) => a.kind === 'hr');
    assert.equal(hr.length, 1);
    assert.ok(ring.others!.includes(hr[0]!.staff) && !ring.members.includes(hr[0]!.staff));
    assert.ok(hr[0]!.at < Math.min(...reveals.map((a) => a.at)), 'fired before the first theft');
  });

  test('the enumerator searches consecutive numbers: every search patterned, nearly all misses, no reveal', () => {
    const acts = plan(byName('enumeration'), 5);
    assert.ok(acts.length > 1000);
    assert.ok(acts.every((a) => a.kind === 'search' && a.patterned));
    const hits = acts.filter((a) => a.matches > 0).length;
    assert.ok(hits / acts.length < 0.01, `${hits} hits of ${acts.length}`);
  });

  test('the scraper, fabricated cases and low-and-slow reveal with no evidence, at their stated pace', () => {
    const scraper = plan(byName('bulk_scraper'), 3).filter((a) => a.kind === 'reveal');
    assert.ok(scraper.length > 1000, `${scraper.length} reveals planned in a shift`);
    const fabricated = byName('fabricated_cases');
    const cases = plan(fabricated, 7).filter((a) => a.kind === 'reveal');
    assert.ok(
      cases.every(
        (a) => a.evidence === 'none' && org.customerRegion[a.customer] === org.staffRegion[a.staff],
      ),
    );
    const lowAndSlow = plan(byName('low_and_slow'), 7);
    const perDay = new Map<number, number>();
    for (const a of lowAndSlow.filter((x) => x.kind === 'reveal'))
      perDay.set(Math.floor(a.at / 86_400_000), (perDay.get(Math.floor(a.at / 86_400_000)) ?? 0) + 1);
    assert.ok(
      [...perDay.values()].every((n) => n <= 3),
      'a few a day, under every quota',
    );
    for (const a of [...scraper, ...cases]) assert.equal(a.evidence, 'none');
  });

  test('snoopers look up VIPs, co-workers or their own surname, with no evidence, and close with no action', () => {
    const snooping = byName('snooping');
    assert.equal(snooping.members.length, 8);
    const acts = plan(snooping, 20);
    const reveals = acts.filter((a) => a.kind === 'reveal');
    assert.ok(reveals.length > 5);
    for (const a of reveals) {
      assert.equal(a.evidence, 'none');
      const special =
        org.customerSpecial[a.customer]! > 0 || org.customerSurname[a.customer] === org.staffSurname[a.staff];
      assert.ok(special, `customer ${a.customer} is not special to ${a.staff}`);
    }
    assert.ok(acts.filter((a) => a.kind === 'close').every((a) => !a.resolved));
  });
});

describe('honest work', () => {
  test('customer-started contacts carry evidence; staff-started ones are follow-ups of a past contact, or rare cold ones', () => {
    const acts: Act[] = [];
    const past = [11, 12, 13];
    for (let s = 0; s < 100; s++)
      planHonestDay(
        acts,
        org,
        defaultWorkload,
        s,
        0,
        createRandom(9, s),
        (rng) => past[rng.int(past.length)]!,
      );
    const reveals = acts.filter((a) => a.kind === 'reveal');
    const unexplained = reveals.filter((a) => a.evidence === 'none');
    assert.ok(unexplained.length > 0 && unexplained.length / reveals.length < 0.1);
    const cold = unexplained.filter((a) => !past.includes(a.customer));
    assert.ok(cold.length / reveals.length < 0.02, `cold share ${cold.length} of ${reveals.length}`);
    assert.ok(cold.length < unexplained.length / 5, 'most staff-started reveals are follow-ups');
    const share = reveals.length / acts.filter((a) => a.kind === 'close').length;
    assert.ok(share > 0.3 && share < 0.5, `reveal share ${share}`);
  });

  test('the organisation is the same for the same seed and different for another', () => {
    const again = createOrganisation({ staff: 400, customers: 40_000, seed: 5 });
    assert.deepEqual(again.customerSurname, org.customerSurname);
    assert.deepEqual(again.staffRegion, org.staffRegion);
    const other = createOrganisation({ staff: 400, customers: 40_000, seed: 6 });
    assert.notDeepEqual(other.customerSurname, org.customerSurname);
  });
});
