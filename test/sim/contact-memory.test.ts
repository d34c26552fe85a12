/** `context.followUp` as the simulator computes it: a customer-started contact with the same member, within 30 days. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createContactMemory } from '../../sim/contact-memory.ts';
import { EPOCH } from '../../sim/organisation.ts';
import { createRandom } from '../../sim/random.ts';

const DAY = 86_400_000;

describe('contact memory', () => {
  test('a follow-up within 30 days of the contact, by the same member only', () => {
    const memory = createContactMemory(3);
    memory.remember(1, 500, EPOCH + DAY);
    assert.equal(memory.isFollowUp(1, 500, EPOCH + 30 * DAY), true);
    assert.equal(memory.isFollowUp(1, 500, EPOCH + 31 * DAY + 60_000), false, 'more than 30 days later');
    assert.equal(memory.isFollowUp(2, 500, EPOCH + 2 * DAY), false, 'another member did not serve them');
    assert.equal(memory.isFollowUp(1, 501, EPOCH + 2 * DAY), false, 'another customer');
  });

  test('contacts before the run (the warm-up) expire too', () => {
    const memory = createContactMemory(1);
    memory.remember(0, 7, EPOCH - 5 * DAY);
    assert.equal(memory.isFollowUp(0, 7, EPOCH + 24 * DAY), true);
    assert.equal(memory.isFollowUp(0, 7, EPOCH + 26 * DAY), false);
    assert.equal(memory.recentCustomer(0, createRandom(1), EPOCH + 26 * DAY), -1);
    assert.equal(memory.recentCustomer(0, createRandom(1), EPOCH), 7);
  });
});
