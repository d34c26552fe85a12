/**
 * Breach incidents and access statistics against hand-built ledgers: entries appended directly, at chosen
 * times, by chosen staff. Staff member S1 reveals customers A and B, views C and has D among a search's
 * hits after X (and revealed Z before X, and opened a case for F, which reaches no data); S2 reveals E.
 * The incident for S1 from X lists exactly A, B, C, D; deadlines per jurisdiction are checked to the minute;
 * the opening is ledgered with counts only. Attacked: a role the policy does not allow (over HTTP, refused
 * and nothing ledgered), an unknown or malformed staff id, a period ending before it starts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { draftNotices } from '../../src/compliance/incident-notices.ts';
import { affectedCustomers, notificationDeadlines } from '../../src/compliance/incident.ts';
import type { EntryInput } from '../../src/ledger/entry-types.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const known = Date.parse('2027-03-01T09:30:00Z');

describe('notification deadlines per jurisdiction, to the minute', () => {
  test('GDPR: the regulator within 72 hours of becoming aware; customers without undue delay', () => {
    const d = notificationDeadlines('GDPR', known);
    assert.equal(new Date(d.regulator.dueAt).toISOString(), '2027-03-04T09:30:00.000Z');
    assert.equal(d.regulator.immediately, false);
    assert.equal(d.customers.dueAt, known);
    assert.equal(d.customers.immediately, true);
  });
  test('PIPL: immediately, to the authority and to the individuals (due now)', () => {
    const d = notificationDeadlines('PIPL', known);
    assert.deepEqual([d.regulator.dueAt, d.customers.dueAt], [known, known]);
    assert.ok(d.regulator.immediately && d.customers.immediately);
    assert.match(d.regulator.basis, /PIPL art\. 57/);
  });
  test('CCPA: the most expedient time possible (due now)', () => {
    const d = notificationDeadlines('CCPA', known);
    assert.deepEqual([d.regulator.dueAt, d.customers.dueAt], [known, known]);
    assert.match(d.customers.basis, /1798\.82/);
  });
});

test('affectedCustomers: only that actor, inside the period, access entries naming a customer', () => {
  const s1 = randomUUID();
  const e = (type: string, actor: string, at: number, data: object) => ({ type, actor, at, data });
  const entries = [
    e('customer.revealed', `staff:${s1}`, 100, { customerId: 'Z', fields: ['phone'] }),
    e('customer.revealed', `staff:${s1}`, 200, { customerId: 'A', fields: ['name', 'phone'] }),
    e('customer.viewed', `staff:${s1}`, 300, { customerId: 'C' }),
    e('customer.searched', `staff:${s1}`, 400, { matches: 2 }),
    e('customer.search_hit', `staff:${s1}`, 401, { customerId: 'D', search: 7 }),
    e('customer.search_hit', `staff:${s1}`, 402, { customerId: 'A', search: 7 }),
    { ...e('customer.search_hit', `staff:${s1}`, 415, {}), subject: 'S' },
    e('case.opened', `staff:${s1}`, 420, { customerId: 'F', caseId: 'x' }),
    e('customer.revealed', 'staff:someone-else', 430, { customerId: 'E', fields: ['email'] }),
    e('customer.revealed', `customer:${s1}`, 440, { customerId: 'Y' }),
    e('customer.viewed', `staff:${s1}`, 501, { customerId: 'LATE' }),
  ];
  const affected = affectedCustomers(entries, s1, 200, 500);
  assert.deepEqual(affected.customers, ['A', 'C', 'D', 'S']);
  assert.deepEqual(affected.fields, ['name', 'phone']);
  assert.equal(affected.accesses['customer.search_hit'], 3);
});

for (const { dialect, skip } of await dialects()) {
  describe(`breach incidents and access statistics on a hand-built ledger (${dialect})`, { skip }, () => {
    // Staff sign in "now"; the ledger is then written at chosen earlier times (the clock set back), and the
    // clock comes back to now, inside the sessions' idle window.
    const now = Date.parse('2027-03-01T09:00:00Z');
    const clock = manualClock(now);
    let f: AccessFixture;
    let s1: Staff;
    let s2: Staff;
    let security: Staff;
    const [A, B, C, D, E, F, Z] = [1, 2, 3, 4, 5, 6, 7].map(() => randomUUID()) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const caseId = randomUUID();
    const X = Date.parse('2027-02-25T00:00:00Z');

    const at = async (iso: string, entry: EntryInput) => {
      clock.set(Date.parse(iso));
      await f.t.custos.ledger.append(entry);
    };

    before(async () => {
      f = await accessFixture(dialect, { clock, env: { CUSTOS_JURISDICTION: 'GDPR' } });
      s1 = await f.staff('support');
      s2 = await f.staff('store', 'west-store');
      security = await f.staff('security');
      const a1 = `staff:${s1.staffId}`;
      const reveal = (customerId: string, fields: string[], purpose = 'repair') => ({
        type: 'customer.revealed' as const,
        actor: a1,
        subject: customerId,
        data: { customerId, caseId, fields, purpose, revealId: randomUUID(), reason: 'sealed' },
      });
      await at('2027-02-21T10:00:00Z', reveal(Z, ['phone']));
      await at('2027-02-21T10:05:00Z', {
        type: 'case.opened',
        actor: a1,
        subject: F,
        data: {
          caseId,
          customerId: F,
          purpose: 'billing',
          channel: 'counter',
          assignees: [s1.staffId],
          breakGlass: false,
          customerPresent: true,
        },
      });
      await at('2027-02-25T09:00:00Z', reveal(A, ['name', 'phone']));
      await at('2027-02-25T09:10:00Z', reveal(B, ['address'], 'delivery'));
      await at('2027-02-25T09:20:00Z', {
        type: 'customer.viewed',
        actor: a1,
        subject: C,
        data: { customerId: C, caseId },
      });
      // A search that showed D: the search, then one hit entry per customer shown (as the vault ledgers it).
      clock.set(Date.parse('2027-02-25T09:30:00Z'));
      const search = await f.t.custos.ledger.append({
        type: 'customer.searched',
        actor: a1,
        data: { by: 'phone', queryDigest: 'ab', matches: 1 },
      });
      await at('2027-02-25T09:30:00Z', {
        type: 'customer.search_hit',
        actor: a1,
        data: { customerId: D, search },
      });
      await at('2027-02-25T09:40:00Z', {
        type: 'customer.revealed',
        actor: `staff:${s2.staffId}`,
        subject: E,
        data: {
          customerId: E,
          caseId: randomUUID(),
          fields: ['email'],
          purpose: 'complaint',
          revealId: randomUUID(),
          reason: 'x',
        },
      });
      clock.set(now + MINUTE);
    });
    after(() => f?.close());

    test('the affected list from X is exactly the customers S1 reached after X', async () => {
      const res = await f.send(security, 'POST', '/v1/incidents', {
        staffId: s1.staffId,
        from: new Date(X).toISOString(),
        knownAt: '2027-03-01T09:30:00Z',
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.customers, [A, B, C, D].sort());
      assert.ok(!res.body.customers.includes(E), "another staff member's access is not S1's");
      assert.ok(!res.body.customers.includes(Z), 'before X');
      assert.ok(!res.body.customers.includes(F), 'a case opened reaches no data');
      assert.deepEqual(res.body.fields, ['address', 'name', 'phone']);
      // GDPR (this installation): 72 hours to the regulator, to the minute; customers due now.
      assert.equal(res.body.deadlines.regulator.dueAt, '2027-03-04T09:30:00.000Z');
      assert.equal(res.body.deadlines.customers.immediately, true);
      for (const notice of [res.body.notices.regulator, res.body.notices.customer]) {
        for (const id of [A, B, C, D]) assert.ok(!notice.includes(id), 'no customer id in a notice');
      }
      assert.match(res.body.notices.regulator, /Customers concerned: 4\./);
      const [opened] = (await ledgerEntries(f.t.custos, 'incident.opened')).slice(-1);
      assert.equal(opened?.actor, `staff:${security.staffId}`);
      assert.deepEqual(
        { ...opened?.data, incidentId: undefined },
        {
          incidentId: undefined,
          staffId: s1.staffId,
          from: X,
          to: now + MINUTE,
          affected: 4,
          jurisdiction: 'GDPR',
          regulatorDueAt: Date.parse('2027-03-04T09:30:00Z'),
        },
      );
      assert.ok(!JSON.stringify(opened).includes(A), 'ids and counts only: no customer in the entry');
    });

    test('a period that ends before X finds only Z; --to bounds it', async () => {
      const res = await f.send(security, 'POST', '/v1/incidents', {
        staffId: s1.staffId,
        from: '2027-02-21',
        to: '2027-02-25T09:05:00Z',
      });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.customers, [Z, A].sort());
    });

    test('refused: a role the policy does not allow (nothing ledgered), an unknown staff id, a reversed period', async () => {
      const before = (await ledgerEntries(f.t.custos, 'incident.opened')).length;
      for (const who of [s1, s2, await f.staff('admin')]) {
        const res = await f.send(who, 'POST', '/v1/incidents', { staffId: s1.staffId, from: '2027-02-21' });
        assert.equal(res.status, 403, `${who.role}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'ACCESS_DENIED');
      }
      const unknown = await f.send(security, 'POST', '/v1/incidents', {
        staffId: randomUUID(),
        from: '2027-02-21',
      });
      assert.equal(unknown.body.error.code, 'STAFF_NOT_FOUND');
      const malformed = await f.send(security, 'POST', '/v1/incidents', {
        staffId: 'staff:1',
        from: '2027-02-21',
      });
      assert.equal(malformed.status, 400);
      const reversed = await f.send(security, 'POST', '/v1/incidents', {
        staffId: s1.staffId,
        from: '2027-02-25',
        to: '2027-02-21',
      });
      assert.equal(reversed.body.error.code, 'VALIDATION_FAILED');
      const badDate = await f.send(security, 'POST', '/v1/incidents', {
        staffId: s1.staffId,
        from: 'yesterday',
      });
      assert.equal(badDate.body.error.code, 'VALIDATION_FAILED');
      assert.equal((await ledgerEntries(f.t.custos, 'incident.opened')).length, before);
    });

    test('access statistics per role, site and purpose (a view counts under its case’s purpose)', async () => {
      const res = await f.send(security, 'GET', `/v1/compliance/access-statistics?from=2027-02-25`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const rows = res.body.rows.map((r: Record<string, unknown>) => ({ ...r }));
      const row = (role: string, site: string, purpose: string, counts: Record<string, number>) => ({
        role,
        site,
        purpose,
        ...{ views: 0, reveals: 0, exports: 0, searchHits: 0, ...counts },
      });
      const east = 'east-call-centre';
      assert.deepEqual(rows, [
        row('store', 'west-store', 'complaint', { reveals: 1 }),
        row('support', east, 'billing', { views: 1 }),
        row('support', east, 'delivery', { reveals: 1 }),
        row('support', east, 'none', { searchHits: 1 }),
        row('support', east, 'repair', { reveals: 1 }),
      ]);
      assert.ok(!JSON.stringify(res.body).includes(A), 'counts only');
      const denied = await f.send(s1, 'GET', `/v1/compliance/access-statistics?from=2027-02-25`);
      assert.equal(denied.status, 403);
    });

    test('the notices name no customer and say what was exposed', () => {
      const affected = {
        customers: [A],
        accesses: {
          'customer.viewed': 0,
          'customer.revealed': 1,
          'customer.updated': 0,
          'customer.exported': 0,
          'customer.search_hit': 0,
        },
        fields: ['phone'],
      };
      const notices = draftNotices({
        incidentId: 'i-1',
        jurisdiction: 'PIPL',
        from: X,
        to: X + HOUR,
        knownAt: known,
        affected,
        deadlines: notificationDeadlines('PIPL', known),
      });
      assert.match(notices.regulator, /due immediately/);
      assert.match(notices.customer, /What was exposed: phone\./);
      assert.ok(!notices.customer.includes(A) && !notices.regulator.includes(A));
    });
  });
}
