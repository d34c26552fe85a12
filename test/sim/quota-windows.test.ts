/**
 * The simulator's quota arithmetic against hand-computed numbers from the real limits
 * (src/access/quotas/quotas.ts: store 40/120 searches an hour/day, 10/40/150 distinct customers revealed an
 * hour/day/week; contractor 8/30/100; every limit halved above `normal`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createQuotaWindows, limitsAt, staffInitiatedAt } from '../../sim/quota-windows.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 1);

describe('simulator quotas', () => {
  test('limits are the role defaults, halved (at least 1) above normal', () => {
    assert.deepEqual(limitsAt('store', 'normal'), {
      search_hour: 40,
      search_day: 120,
      reveal_hour: 10,
      reveal_day: 40,
      reveal_week: 150,
    });
    assert.deepEqual(limitsAt('store', 'elevated'), {
      search_hour: 20,
      search_day: 60,
      reveal_hour: 5,
      reveal_day: 20,
      reveal_week: 75,
    });
    assert.deepEqual(limitsAt('contractor', 'high'), limitsAt('contractor', 'elevated'));
    assert.equal(limitsAt('contractor', 'high').reveal_hour, 4);
  });

  test('the 41st search in an hour is refused; an hour later it passes; the 121st of the day is refused by the day', () => {
    const q = createQuotaWindows();
    const limits = limitsAt('store', 'normal');
    for (let i = 0; i < 40; i++) assert.equal(q.search(1, T0 + i * MIN, limits), undefined);
    assert.equal(q.search(1, T0 + 40 * MIN, limits), 'search_hour');
    // The window is [at − 1 h, at]: a search exactly an hour old still counts.
    assert.equal(q.search(1, T0 + HOUR, limits), 'search_hour');
    // Two more bursts of 40, each more than an hour after the last, fill the day's 120.
    for (let h = 1; h <= 2; h++)
      for (let i = 1; i <= 40; i++)
        assert.equal(q.search(1, T0 + h * (HOUR + 40 * MIN) + i * MIN, limits), undefined);
    assert.equal(q.search(1, T0 + 5 * HOUR, limits), 'search_day');
    // A refused search does not count: a day after the first, the first hour's 40 have left the window.
    assert.equal(q.search(1, T0 + DAY + 40 * MIN, limits), undefined);
  });

  test('distinct customers: the 11th new customer in an hour is refused, a repeat of one already revealed is not', () => {
    const q = createQuotaWindows();
    const limits = limitsAt('store', 'normal');
    for (let c = 0; c < 10; c++) assert.equal(q.reveal(7, c, T0 + c * MIN, limits), undefined);
    assert.equal(q.reveal(7, 10, T0 + 11 * MIN, limits), 'reveal_hour');
    assert.equal(
      q.reveal(7, 3, T0 + 12 * MIN, limits),
      undefined,
      'a second field of customer 3 costs nothing',
    );
    // The window is [at − 1 h, at]: at exactly an hour after the first reveal it still counts.
    assert.equal(q.reveal(7, 11, T0 + HOUR, limits), 'reveal_hour');
    assert.equal(q.reveal(7, 11, T0 + HOUR + 1, limits), undefined);
  });

  test('at elevated the 6th new customer in an hour is refused', () => {
    const q = createQuotaWindows();
    const limits = limitsAt('store', 'elevated');
    for (let c = 0; c < 5; c++) assert.equal(q.reveal(7, c, T0 + c * MIN, limits), undefined);
    assert.equal(q.reveal(7, 5, T0 + 6 * MIN, limits), 'reveal_hour');
  });

  test('a contractor spreading reveals over days is stopped by the week: 30 + 30 + 30 + 10 = 100', () => {
    const q = createQuotaWindows();
    const limits = limitsAt('contractor', 'normal');
    let customer = 0;
    let refused: string | undefined;
    let admitted = 0;
    for (let day = 0; day < 4 && !refused; day++) {
      // 6 an hour (under the hourly 8), 30 a day (the daily limit), five hours a day.
      for (let i = 0; i < 30; i++) {
        refused = q.reveal(3, customer++, T0 + day * (DAY + HOUR) + i * 10 * MIN, limits);
        if (refused) break;
        admitted++;
      }
    }
    assert.equal(refused, 'reveal_week');
    assert.equal(admitted, 100);
    // The 31st of a day is refused by the day, not the week.
    const r = createQuotaWindows();
    for (let i = 0; i < 30; i++) assert.equal(r.reveal(4, i, T0 + i * 10 * MIN, limits), undefined);
    assert.equal(r.reveal(4, 99, T0 + 30 * 10 * MIN, limits), 'reveal_day');
  });

  test("one member's quota is theirs alone: another account does not spend it, and a customer revealed last week costs again", () => {
    const q = createQuotaWindows();
    const limits = limitsAt('store', 'normal');
    for (let c = 0; c < 10; c++) q.reveal(1, c, T0 + c * MIN, limits);
    assert.equal(q.reveal(2, 10, T0 + 11 * MIN, limits), undefined, 'a second account has its own hour');
    assert.equal(q.reveal(1, 10, T0 + 11 * MIN, limits), 'reveal_hour');
    // Eight days later the week has forgotten customer 0: it is a new customer in every window again.
    const later = T0 + 8 * DAY;
    for (let c = 100; c < 110; c++) assert.equal(q.reveal(1, c, later + (c - 100) * MIN, limits), undefined);
    assert.equal(q.reveal(1, 0, later + 11 * MIN, limits), 'reveal_hour');
  });

  test('the staff-initiated budget: support 8 customers a day, 4 above normal; a repeat costs nothing; a day later it is back', () => {
    assert.deepEqual(
      [
        staffInitiatedAt('support', 'normal'),
        staffInitiatedAt('support', 'elevated'),
        staffInitiatedAt('contractor', 'high'),
      ],
      [8, 4, 1],
    );
    const q = createQuotaWindows();
    for (let c = 0; c < 8; c++) {
      assert.equal(q.initiatedRefuses(1, c, T0 + c * MIN, 8), false);
      q.countInitiated(1, c, T0 + c * MIN);
    }
    assert.equal(q.initiatedRefuses(1, 8, T0 + 9 * MIN, 8), true, 'the 9th customer');
    assert.equal(q.initiatedRefuses(1, 3, T0 + 9 * MIN, 8), false, 'a customer already counted');
    assert.equal(q.initiatedRefuses(1, 8, T0 + 9 * MIN, 4), true, 'halved above normal');
    assert.equal(q.initiatedRefuses(1, 8, T0 + DAY + 8 * MIN, 8), false, 'the first has left the 24 hours');
  });
});
