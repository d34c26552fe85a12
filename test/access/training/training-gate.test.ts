/**
 * The access gate's training check, in process: where training is required, a principal carrying no record
 * (however it was built) or one expiring now is refused every customer-data act before the policy is asked,
 * as TRAINING_REQUIRED and ledgered; acts on no customer pass; off, nothing is checked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccessGate, roleOnly } from '../../../src/access/access-gate.ts';
import type { StaffPrincipal } from '../../../src/identity/sessions/principal.ts';
import type { EntryInput } from '../../../src/ledger/entry-types.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';

const NOW = Date.UTC(2026, 11, 14, 9);

function gate(required: boolean) {
  const appended: EntryInput[] = [];
  const asked: string[] = [];
  const g = createAccessGate({
    policy: {
      decide: (q) => {
        asked.push(q.action);
        return { allow: true, policies: ['permit-all'], errors: [] };
      },
    },
    riskTier: () => 'normal',
    ledger: { append: async (e: EntryInput) => void appended.push(e) } as never,
    bus: { publish: () => {} },
    training: { required, clock: manualClock(NOW) },
  });
  return { g, appended, asked };
}

const principal = (training?: StaffPrincipal['training']): StaffPrincipal =>
  ({
    staffId: 'staff-1',
    role: 'admin',
    region: 'east',
    site: 'east-call-centre',
    actor: { type: 'staff', id: 'staff-1' },
    session: {} as never,
    ...(training ? { training } : {}),
  }) as StaffPrincipal;

const refused = async (promise: Promise<unknown>, pattern: RegExp) => {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isCustosError(e));
    assert.equal(e.code, 'TRAINING_REQUIRED');
    assert.match(e.message, pattern);
    return true;
  });
};

describe('the access gate checks training where it is required', () => {
  test('a principal without a record (however built) is untrained; the policy is not asked', async () => {
    const { g, appended, asked } = gate(true);
    await refused(g.requireAction(principal(), 'search'), /^No training on record/);
    await refused(
      g.requireAction(principal({ course: 'data_protection', expiresAt: null }), 'break_glass'),
      /No data_protection training on record/,
    );
    assert.deepEqual(asked, []);
    assert.deepEqual(
      appended.map((e) => [
        e.type,
        (e.data as { action: string; code: string }).action,
        (e.data as { code: string }).code,
      ]),
      [
        ['access.denied', 'search', 'TRAINING_REQUIRED'],
        ['access.denied', 'break_glass', 'TRAINING_REQUIRED'],
      ],
    );
  });

  test('a record expiring this very millisecond is expired; one a millisecond later is current', async () => {
    const { g } = gate(true);
    await refused(
      g.requireAction(principal({ course: 'data_protection', expiresAt: NOW }), 'reveal'),
      /expired on 2026-12-14T09:00:00.000Z/,
    );
    await g.requireAction(principal({ course: 'data_protection', expiresAt: NOW + 1 }), 'reveal');
  });

  test('another refusal of a customer-data act by an untrained member says TRAINING_REQUIRED', async () => {
    const { g, appended } = gate(true);
    const error = await g.refuse(principal(), 'reveal', 'CASE_NOT_ASSIGNED', { caseId: 'c' });
    assert.equal(error.code, 'TRAINING_REQUIRED');
    const risk = await g.refuseForRisk(principal(), 'reveal', {});
    assert.equal(risk.code, 'TRAINING_REQUIRED');
    assert.equal(appended.length, 2);
    // Not a customer-data act: its own code.
    assert.equal((await g.refuse(principal(), 'case_close', 'CASE_CLOSED', {})).code, 'CASE_CLOSED');
  });

  test('acts on no customer pass untrained; with the setting off nothing is checked', async () => {
    const on = gate(true);
    for (const action of ['staff_manage', 'alert_read', 'export_approve', 'aggregate'] as const)
      await on.g.requireAction(principal(), action);
    const off = gate(false);
    await off.g.require(principal(), roleOnly('reveal'), {});
    assert.equal(off.g.decide(principal(), roleOnly('view')).allow, true);
  });
});
