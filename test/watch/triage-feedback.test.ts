/**
 * The pure parts of triage: the threshold factor security's verdicts suggest (bounded both ways), the top
 * indicator a `risk_tier` alert is counted under, and staff pseudonyms (keyed, stable, masking staff ids at
 * any depth and nothing else).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createBlindIndexer } from '../../src/crypto/blind-index.ts';
import { createPseudonyms } from '../../src/watch/pseudonyms.ts';
import { feedbackOf, suggestedFactor, topIndicator } from '../../src/watch/triage/feedback.ts';

describe('suggestedFactor', () => {
  test('1 + 0.1 × (false positives − confirmed), within [1, 2]', () => {
    assert.equal(suggestedFactor(0, 0), 1);
    assert.equal(suggestedFactor(3, 0), 1.3);
    assert.equal(suggestedFactor(5, 1), 1.4);
    assert.equal(suggestedFactor(7, 0), 1.7, 'no floating-point tail');
    assert.equal(suggestedFactor(0, 9), 1, 'confirmations never lower a threshold');
    assert.equal(suggestedFactor(1000, 0), 2, 'a flood of dismissals at most doubles it');
  });

  test('feedbackOf leaves out the indicator of kinds that have none', () => {
    assert.deepEqual(feedbackOf({ kind: 'break_glass', indicator: null, confirmed: 2, falsePositives: 1 }), {
      kind: 'break_glass',
      confirmed: 2,
      falsePositives: 1,
      suggestedFactor: 1,
    });
  });
});

describe('topIndicator', () => {
  test("a risk_tier alert's first indicator; anything else or anything malformed: none", () => {
    const data = { indicators: [{ indicator: 'off_shift' }, { indicator: 'distinct_customers' }] };
    assert.equal(topIndicator({ kind: 'risk_tier', data }), 'off_shift');
    assert.equal(topIndicator({ kind: 'break_glass', data }), null);
    assert.equal(topIndicator({ kind: 'risk_tier', data: { indicators: 'off_shift' } }), null);
    assert.equal(topIndicator({ kind: 'risk_tier', data: { indicators: [null] } }), null);
    assert.equal(topIndicator({ kind: 'risk_tier', data: { indicators: [{ indicator: 7 }] } }), null);
  });
});

describe('pseudonyms', () => {
  const staffId = '0193a0b0-0000-7000-8000-000000000001';
  const customerId = '0193a0b0-0000-7000-8000-000000000002';
  const keyring = (root = randomBytes(32)) => ({ blindIndex: createBlindIndexer(root) });
  const isStaff = async (id: string) => id === staffId;

  test('staff- and 10 base32 characters, stable under one key, different under another', () => {
    const root = randomBytes(32);
    const one = createPseudonyms({ keyring: keyring(root), enabled: true, isStaff });
    const again = createPseudonyms({ keyring: keyring(root), enabled: true, isStaff });
    const other = createPseudonyms({ keyring: keyring(), enabled: true, isStaff });
    assert.match(one.of(staffId), /^staff-[A-Z2-7]{10}$/);
    assert.equal(one.of(staffId), again.of(staffId));
    assert.notEqual(one.of(staffId), other.of(staffId), 'keyed: not computable without the secret');
  });

  test('mask replaces staff ids at any depth and leaves customer ids and other values alone', async () => {
    const p = createPseudonyms({ keyring: keyring(), enabled: true, isStaff });
    const masked = await p.mask({
      reviewedBy: staffId,
      approvers: [staffId, customerId],
      n: 3,
      deep: { x: staffId },
    });
    assert.deepEqual(masked, {
      reviewedBy: p.of(staffId),
      approvers: [p.of(staffId), customerId],
      n: 3,
      deep: { x: p.of(staffId) },
    });
  });

  test('off: views name staff by id', async () => {
    const p = createPseudonyms({ keyring: keyring(), enabled: false, isStaff });
    assert.equal(p.of(staffId), staffId);
    assert.deepEqual(await p.mask({ by: staffId }), { by: staffId });
  });
});
