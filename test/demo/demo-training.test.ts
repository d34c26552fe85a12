/**
 * The demo organisation works with CUSTOS_TRAINING_REQUIRED on: every demo staff member is seeded with a
 * current record of the required course, ledgered like any other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

describe('demo organisation with training required', () => {
  let t: TestCustos;
  before(async () => {
    t = await testCustos('sqlite', {
      env: {
        CUSTOS_DEMO: 'true',
        CUSTOS_DEMO_CUSTOMERS: '5',
        CUSTOS_TRAINING_REQUIRED: 'true',
        CUSTOS_TRAINING_COURSE: 'privacy_basics',
      },
    });
  });
  after(() => t?.cleanup());

  test('each demo staff member has a current record of the configured course', async () => {
    const staff = await t.custos.database.db.selectFrom('staff').select('id').execute();
    assert.ok(staff.length >= 50, `demo staff seeded (${staff.length})`);
    const now = Date.now();
    for (const { id } of staff) {
      const status = await t.custos.identity.training.statusOf(id, 'privacy_basics');
      assert.ok(status.expiresAt !== null && status.expiresAt > now + 300 * 86_400_000, id);
    }
    const recorded = await ledgerEntries(t.custos, 'staff.training_recorded');
    assert.equal(recorded.length, staff.length);
    assert.ok(recorded.every((e) => e.data.course === 'privacy_basics' && e.actor === 'system:system'));
  });
});
