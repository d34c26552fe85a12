/** Quotas count from the ledger: distinct customers per window, searches per hour, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../../support/databases.ts';
import { type TestCustos, testCustos } from '../../support/custos.ts';

const HOUR = 3600_000;

for (const { dialect, skip } of await dialects()) {
  describe(`quotas (${dialect})`, { skip }, () => {
    let t: TestCustos;
    let now = Date.now();
    before(async () => {
      t = await testCustos(dialect, { clock: { now: () => now } });
    });
    after(() => t?.cleanup());

    const staff = { staffId: '01a20000-0000-7000-8000-0000000000aa', role: 'store' as const };
    const append = (type: 'customer.revealed' | 'customer.searched', subject?: string) =>
      t.custos.ledger.append(
        type === 'customer.revealed'
          ? {
              type,
              actor: `staff:${staff.staffId}`,
              subject: subject as string,
              data: {
                customerId: subject as string,
                caseId: 'c',
                fields: ['name'],
                purpose: 'repair',
                revealId: 'r',
                reason: '',
              },
            }
          : { type, actor: `staff:${staff.staffId}`, data: { by: 'phone', queryDigest: 'd', matches: 0 } },
      );

    /** Reserve, append the entry, release: what the reveal path does. */
    const reveal = async (customerId: string) => {
      const release = await t.custos.access.quotas.reserveReveal(staff, customerId);
      await append('customer.revealed', customerId);
      release();
    };
    const refusedReveal = (customerId: string, quota: RegExp) =>
      assert.rejects(t.custos.access.quotas.reserveReveal(staff, customerId), quota);

    test('reveals: distinct customers per hour, day and week; repeats cost nothing', async () => {
      const { quotas } = t.custos.access;
      await quotas.setOverride(staff.staffId, 'reveal_hour', 2, 'test');
      await quotas.setOverride(staff.staffId, 'reveal_day', 3, 'test');
      await quotas.setOverride(staff.staffId, 'reveal_week', 4, 'test');
      for (const c of ['a', 'b']) {
        await reveal(c);
        await reveal(c);
      }
      await refusedReveal('c', /reveal_hour/);
      await reveal('a');
      now += HOUR + 1;
      await reveal('c');
      now += HOUR + 1;
      await refusedReveal('d', /reveal_day/);
      now += 24 * HOUR;
      await reveal('d');
      now += HOUR + 1;
      await refusedReveal('e', /reveal_week/);
      await reveal('b');
      // Another staff member's reveals are theirs.
      (await quotas.reserveReveal({ staffId: '01a20000-0000-7000-8000-0000000000bb', role: 'store' }, 'e'))();
    });

    test('reveals in flight hold their place until released, and parallel ones cannot overshoot', async () => {
      const { quotas } = t.custos.access;
      const other = { staffId: '01a20000-0000-7000-8000-0000000000cc', role: 'store' as const };
      await quotas.setOverride(other.staffId, 'reveal_hour', 2, 'test');
      const tries = await Promise.allSettled(['x', 'y', 'z', 'w'].map((c) => quotas.reserveReveal(other, c)));
      assert.equal(
        tries.filter((r) => r.status === 'fulfilled').length,
        2,
        'two of four parallel reveals admitted',
      );
      // The same customer again while in flight costs nothing new.
      const admitted = tries.flatMap((r, i) =>
        r.status === 'fulfilled' ? [['x', 'y', 'z', 'w'][i] as string] : [],
      );
      const again = await quotas.reserveReveal(other, admitted[0] as string);
      again();
      // Released without an entry (the reveal failed): the place is free again.
      for (const r of tries) if (r.status === 'fulfilled') r.value();
      (await quotas.reserveReveal(other, 'v'))();
    });

    test('searches per hour, in flight included', async () => {
      const { quotas } = t.custos.access;
      await quotas.setOverride(staff.staffId, 'search_hour', 2, 'test');
      const first = await quotas.reserveSearch(staff);
      const second = await quotas.reserveSearch(staff);
      await assert.rejects(quotas.reserveSearch(staff), /search_hour/, 'two in flight fill the hour');
      await append('customer.searched');
      first();
      await append('customer.searched');
      second();
      await assert.rejects(quotas.reserveSearch(staff), /search_hour/, 'two done fill it too');
      now += HOUR + 1;
      (await quotas.reserveSearch(staff))();
    });

    test('searches per day: searching at the hourly limit all day long is refused by the day window', async () => {
      const { quotas } = t.custos.access;
      const clerk = { staffId: '01a20000-0000-7000-8000-0000000000dd', role: 'store' as const };
      const search = async () => {
        const release = await quotas.reserveSearch(clerk);
        await t.custos.ledger.append({
          type: 'customer.searched',
          actor: `staff:${clerk.staffId}`,
          data: { by: 'phone', queryDigest: 'd', matches: 0 },
        });
        release();
      };
      const { search_hour: hourly, search_day: daily } = await quotas.limitsFor(clerk);
      assert.ok(daily < 24 * hourly, 'the day allows far fewer than 24 hours at the hourly rate');
      let done = 0;
      // Hour after hour at the hourly limit, until the day's is reached.
      while (done < daily) {
        for (let i = 0; i < hourly && done < daily; i++, done++) await search();
        if (done < daily) {
          await assert.rejects(quotas.reserveSearch(clerk), /search_hour/);
          now += HOUR + 1;
        }
      }
      await assert.rejects(quotas.reserveSearch(clerk), /search_day/, 'the day is spent');
      now += HOUR + 1;
      await assert.rejects(quotas.reserveSearch(clerk), /search_day/, 'a new hour does not help');
      now += 24 * HOUR;
      (await quotas.reserveSearch(clerk))();
    });
  });
}
