/** Which redactions verify accepts: covered by a later retention entry that honoured the floor, and old. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactionCheck } from '../../src/ledger/redaction-check.ts';
import { MIN_RETENTION_MS } from '../../src/ledger/retention-floor.ts';

const DAY = 24 * 3600 * 1000;
const now = Date.UTC(2026, 11, 1);

test('a redaction covered by a later retention entry that honoured the floor is accepted', () => {
  const check = createRedactionCheck(now);
  check.redacted(3, now - 400 * DAY);
  check.redacted(4, now - 300 * DAY);
  check.retention(now - DAY, now - DAY - MIN_RETENTION_MS);
  assert.equal(check.firstUncovered(), undefined);
});

test('a retention entry covers only entries older than its cutoff; the first left over is named', () => {
  const check = createRedactionCheck(now);
  check.redacted(3, now - 400 * DAY);
  check.redacted(9, now - 100 * DAY);
  check.retention(now - DAY, now - DAY - MIN_RETENTION_MS);
  assert.deepEqual(check.firstUncovered()?.index, 9);
  assert.match(check.firstUncovered()?.problem as string, /younger than the retention floor/);
});

test('a retention entry that did not honour the floor covers nothing', () => {
  const check = createRedactionCheck(now);
  check.redacted(2, now - 400 * DAY);
  check.retention(now - DAY, now - 2 * DAY); // claims to have redacted entries a day old
  assert.equal(check.firstUncovered()?.index, 2);
  assert.match(check.firstUncovered()?.problem as string, /no ledger.retention_applied entry after it/);
});

test('a retention entry before the redacted entry does not cover it', () => {
  const check = createRedactionCheck(now);
  check.retention(now - 300 * DAY, now - 300 * DAY - MIN_RETENTION_MS);
  check.redacted(7, now - 600 * DAY);
  assert.equal(check.firstUncovered()?.index, 7);
});
