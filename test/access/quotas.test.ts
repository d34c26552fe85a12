/** Quotas count from the ledger: distinct customers per window, searches per hour, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects } from '../support/databases.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';

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

    test('reveals: distinct customers per hour, day and week; repeats cost nothing', async () => {
      const { quotas } = t.custos.access;
      await quotas.setOverride(staff.staffId, 'reveal_hour', 2, 'test');
      await quotas.setOverride(staff.staffId, 'reveal_day', 3, 'test');
      await quotas.setOverride(staff.staffId, 'reveal_week', 4, 'test');
      for (const c of ['a', 'b']) {
        await quotas.checkReveal(staff, c);
        await append('customer.revealed', c);
        await append('customer.revealed', c);
      }
      await assert.rejects(quotas.checkReveal(staff, 'c'), /reveal_hour/);
      await quotas.checkReveal(staff, 'a');
      now += HOUR + 1;
      await quotas.checkReveal(staff, 'c');
      await append('customer.revealed', 'c');
      now += HOUR + 1;
      await assert.rejects(quotas.checkReveal(staff, 'd'), /reveal_day/);
      now += 24 * HOUR;
      await quotas.checkReveal(staff, 'd');
      await append('customer.revealed', 'd');
      now += HOUR + 1;
      await assert.rejects(quotas.checkReveal(staff, 'e'), /reveal_week/);
      await quotas.checkReveal(staff, 'b');
      // Another staff member's reveals are theirs.
      await quotas.checkReveal({ staffId: '01a20000-0000-7000-8000-0000000000bb', role: 'store' }, 'e');
    });

    test('searches per hour', async () => {
      const { quotas } = t.custos.access;
      await quotas.setOverride(staff.staffId, 'search_hour', 2, 'test');
      await quotas.checkSearch(staff);
      await append('customer.searched');
      await quotas.checkSearch(staff);
      await append('customer.searched');
      await assert.rejects(quotas.checkSearch(staff), /search_hour/);
      now += HOUR + 1;
      await quotas.checkSearch(staff);
    });
  });
}
