/**
 * Small whole runs of the simulator (200 staff, 20,000 customers, 3 days): the same seed gives the same
 * report numbers, and the bulk scraper is stopped by the real model, tiers and quotas.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulate } from '../../sim/engine.ts';
import { reportMarkdown } from '../../sim/report.ts';

const params = { staff: 200, customers: 20_000, days: 3, seed: 42 };
const first = simulate(params);

describe('simulator runs', () => {
  test('the same seed gives the same numbers; another seed does not', () => {
    const again = simulate(params);
    assert.deepEqual(again.strategies, first.strategies);
    assert.deepEqual(again.honest, first.honest);
    assert.deepEqual(again.series, first.series);
    const other = simulate({ ...params, seed: 43 });
    assert.notDeepEqual(other.series, first.series);
  });

  test('the bulk scraper is suspended within two hours, after few records', () => {
    const scraper = first.strategies.find((r) => r.name === 'bulk_scraper')!;
    assert.equal(scraper.membersSuspended, 1);
    assert.ok(scraper.toSuspensionMs !== null && scraper.toSuspensionMs < 2 * 3_600_000);
    assert.ok(scraper.exposed <= 20, `${scraper.exposed} exposed`);
    assert.ok(scraper.refused.suspended > 1000, 'the rest of its plan met a suspended account');
  });

  test('the enumerator confirms few numbers before it is suspended', () => {
    const enumeration = first.strategies.find((r) => r.name === 'enumeration')!;
    assert.equal(enumeration.membersSuspended, 1);
    assert.equal(enumeration.exposed, 0);
    assert.ok(enumeration.confirmed <= 20);
  });

  test('honest staff: counted days, few with friction, and the report states every target', () => {
    assert.ok(first.honest.staffDays > 300);
    assert.ok(first.honest.reveals > 1000);
    assert.ok(first.honest.frictionDays / first.honest.staffDays < 0.05);
    const md = reportMarkdown(first, 'custos simulate --staff 200', 'containment');
    for (const target of [
      'bulk_scraper',
      'fabricated_cases',
      'low_and_slow',
      'ring',
      'enumeration',
      'snooping',
    ])
      assert.match(md, new RegExp(`\\| ${target}: `));
    assert.match(md, /custos simulate --staff 200/);
  });
});
