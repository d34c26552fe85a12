/**
 * Due dates of people's requests per jurisdiction, to the millisecond: GDPR calendar months (month ends,
 * leap years, the year's turn), CCPA 45 and 90 days, PIPL's configured days; all in UTC whatever the time of
 * day or the local zone, ending at the end of the last day.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extendedDeadline, requestDeadline } from '../../../src/privacy/requests/deadlines.ts';

const at = (iso: string) => Date.parse(iso);
const pipl15 = { piplDays: 15 };
const due = (j: 'GDPR' | 'CCPA' | 'PIPL', filed: string, settings = pipl15) => {
  const d = requestDeadline(j, at(filed), settings);
  return { dueDate: d.dueDate, dueAt: new Date(d.dueAt).toISOString() };
};

describe('GDPR: one calendar month (art. 12(3), Regulation 1182/71)', () => {
  test('the same date next month, to the end of that day', () => {
    assert.deepEqual(due('GDPR', '2027-01-15T10:00:00Z'), {
      dueDate: '2027-02-15',
      dueAt: '2027-02-16T00:00:00.000Z',
    });
  });
  test('31 January + 1 month is the end of February (28th, or the 29th in a leap year)', () => {
    assert.equal(due('GDPR', '2027-01-31T10:00:00Z').dueDate, '2027-02-28');
    assert.equal(due('GDPR', '2028-01-31T10:00:00Z').dueDate, '2028-02-29');
    assert.equal(due('GDPR', '2100-01-31T10:00:00Z').dueDate, '2100-02-28', '2100 is not a leap year');
    assert.equal(due('GDPR', '2000-01-30T10:00:00Z').dueDate, '2000-02-29', '2000 is');
  });
  test('29 February + 1 month is 29 March; 31 March + 1 month is 30 April', () => {
    assert.equal(due('GDPR', '2028-02-29T12:00:00Z').dueDate, '2028-03-29');
    assert.equal(due('GDPR', '2027-03-31T12:00:00Z').dueDate, '2027-04-30');
  });
  test('December runs into the next year', () => {
    assert.deepEqual(due('GDPR', '2026-12-31T23:00:00Z'), {
      dueDate: '2027-01-31',
      dueAt: '2027-02-01T00:00:00.000Z',
    });
  });
  test('extension: three months from receipt, clamped to the month end', () => {
    const ext = (filed: string) => extendedDeadline('GDPR', at(filed));
    assert.equal(ext('2027-01-31T10:00:00Z')?.dueDate, '2027-04-30');
    assert.equal(ext('2027-11-30T10:00:00Z')?.dueDate, '2028-02-29');
    assert.equal(ext('2027-05-15T10:00:00Z')?.dueAt, at('2027-08-16T00:00:00Z'));
  });
});

describe('CCPA: 45 calendar days, extendable to 90', () => {
  test('45 days after the day of receipt', () => {
    assert.deepEqual(due('CCPA', '2027-01-01T08:00:00Z'), {
      dueDate: '2027-02-15',
      dueAt: '2027-02-16T00:00:00.000Z',
    });
    assert.equal(due('CCPA', '2028-02-01T08:00:00Z').dueDate, '2028-03-17', 'across a leap day');
    assert.equal(due('CCPA', '2027-12-01T08:00:00Z').dueDate, '2028-01-15');
  });
  test('extension: 90 days from receipt', () => {
    assert.equal(extendedDeadline('CCPA', at('2027-01-01T08:00:00Z'))?.dueDate, '2027-04-01');
  });
});

describe('PIPL: the configured days (15 by default), no extension', () => {
  test('15 days, or what is configured', () => {
    assert.equal(due('PIPL', '2027-02-20T01:00:00Z').dueDate, '2027-03-07');
    assert.equal(due('PIPL', '2028-02-20T01:00:00Z').dueDate, '2028-03-06', 'a leap year has 29 February');
    assert.equal(due('PIPL', '2027-02-20T01:00:00Z', { piplDays: 30 }).dueDate, '2027-03-22');
  });
  test('the law allows no extension', () => {
    assert.equal(extendedDeadline('PIPL', at('2027-02-20T01:00:00Z')), null);
  });
});

describe('time zones: deadlines count UTC days', () => {
  test('the time of day does not matter, only the UTC day of receipt', () => {
    assert.deepEqual(due('PIPL', '2027-03-01T00:00:00Z'), due('PIPL', '2027-03-01T23:59:59.999Z'));
  });
  test('a request at 07:30 in Shanghai (+08:00) on 1 March is filed on 28 February UTC', () => {
    // 2027-03-01T07:30+08:00 is 2027-02-28T23:30Z: the UTC day is 28 February.
    assert.equal(due('GDPR', '2027-03-01T07:30:00+08:00').dueDate, '2027-03-28');
    assert.equal(due('PIPL', '2027-03-01T07:30:00+08:00').dueDate, '2027-03-15');
  });
  test('the process time zone changes nothing (the arithmetic reads no local time)', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      assert.equal(due('GDPR', '2027-01-31T03:00:00Z').dueDate, '2027-02-28');
      process.env.TZ = 'Asia/Shanghai';
      assert.equal(due('GDPR', '2027-01-31T03:00:00Z').dueDate, '2027-02-28');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
  test('overdue exactly from dueAt: the last millisecond of the last day is still in time', () => {
    const d = requestDeadline('CCPA', at('2027-01-01T08:00:00Z'), pipl15);
    assert.equal(new Date(d.dueAt - 1).toISOString(), '2027-02-15T23:59:59.999Z');
  });
});
