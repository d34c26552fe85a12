/** The tier semantics the simulator applies to each reveal (sim/gate.ts, mirroring reveal.service.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containReveal } from '../../sim/gate.ts';

describe('simulator gate', () => {
  test('normal: nothing; elevated: a step-up the account holder passes', () => {
    assert.deepEqual(containReveal('normal', false), { allowed: true, stepUp: false, approvalAsked: false });
    assert.deepEqual(containReveal('elevated', false), { allowed: true, stepUp: true, approvalAsked: false });
  });

  test('high: the approver approves a customer-started reveal or a follow-up, and refuses the rest', () => {
    assert.deepEqual(containReveal('high', true), { allowed: true, stepUp: false, approvalAsked: true });
    assert.deepEqual(containReveal('high', false), {
      allowed: false,
      stepUp: false,
      approvalAsked: true,
      refusedBy: 'approval',
    });
  });

  test('critical: suspended, evidence or not', () => {
    for (const started of [true, false]) {
      const verdict = containReveal('critical', started);
      assert.equal(verdict.allowed, false);
      assert.equal(verdict.refusedBy, 'suspended');
    }
  });
});
