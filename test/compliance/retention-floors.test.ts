/**
 * Retention floors per jurisdiction (LAW row 7): the ledger keeps every entry at least the jurisdiction's
 * floor (PIPL and GDPR six months, CSL art. 21; CCPA 24 months of request records), or a configured longer
 * one, never under six months. Purging a 100-day-old entry is refused and leaves it readable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  jurisdictionFloorDays,
  MIN_RETENTION_MS,
  retentionFloorMs,
} from '../../src/ledger/retention-floor.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';

const DAY = 86_400_000;
const actor = 'system:retention-test';

test('floors per jurisdiction, a longer one configurable, never under six months', () => {
  assert.equal(retentionFloorMs('PIPL'), MIN_RETENTION_MS);
  assert.equal(retentionFloorMs('GDPR'), 183 * DAY);
  assert.equal(retentionFloorMs('CCPA'), 730 * DAY);
  assert.equal(retentionFloorMs('PIPL', 400), 400 * DAY);
  assert.equal(retentionFloorMs('CCPA', 400), 730 * DAY, "a configured floor never shortens the law's");
  assert.throws(
    () => retentionFloorMs('PIPL', 100),
    (e) => isCustosError(e, 'CONFIG_INVALID'),
  );
  for (const days of Object.values(jurisdictionFloorDays)) assert.ok(days * DAY >= MIN_RETENTION_MS);
  assert.throws(
    () => loadConfig({ CUSTOS_RETENTION_FLOOR_DAYS: '100' }),
    (e) => isCustosError(e, 'CONFIG_INVALID') && /CUSTOS_RETENTION_FLOOR_DAYS/.test((e as Error).message),
  );
  assert.throws(
    () => loadConfig({ CUSTOS_JURISDICTION: 'EU' }),
    (e) => isCustosError(e, 'CONFIG_INVALID') && /CUSTOS_JURISDICTION/.test((e as Error).message),
  );
});

for (const jurisdiction of ['PIPL', 'CCPA'] as const) {
  describe(`retention under ${jurisdiction}`, () => {
    const clock = manualClock(Date.parse('2027-01-01T00:00:00Z'));
    let t: TestCustos;
    let index: number;
    before(async () => {
      t = await testCustos('sqlite', { clock, env: { CUSTOS_JURISDICTION: jurisdiction } });
      index = await t.custos.ledger.append({
        type: 'quota.set',
        actor,
        data: { staffId: 'x', quota: 'q', max: 1 },
      });
    });
    after(() => t?.cleanup());

    test('purging a 100-day-old entry is refused; the entry stays', async () => {
      clock.advance(100 * DAY);
      await assert.rejects(t.custos.ledger.applyRetention(actor, 100 * DAY), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
      assert.notEqual((await t.custos.ledger.entry(index)).entry, null);
    });

    test(`entries are purged only past the floor (${jurisdictionFloorDays[jurisdiction]} days)`, async () => {
      const floor = jurisdictionFloorDays[jurisdiction] * DAY;
      clock.advance(floor);
      if (jurisdiction === 'CCPA') {
        await assert.rejects(
          t.custos.ledger.applyRetention(actor, 200 * DAY),
          (e) => isCustosError(e, 'VALIDATION_FAILED') && /730 days/.test((e as Error).message),
        );
        assert.notEqual(
          (await t.custos.ledger.entry(index)).entry,
          null,
          'six months is not enough under CCPA',
        );
      }
      assert.ok((await t.custos.ledger.applyRetention(actor, floor)) >= 1);
      assert.equal((await t.custos.ledger.entry(index)).entry, null);
    });
  });
}
