/**
 * Account takeover and forged presence, attacked over HTTP against a real server (listening on loopback)
 * whose outbox sends to a real SMTP server: the invitation token never reaches staff; a clerk cannot point
 * a customer's email at an address they hold without the customer present, and the old address is told;
 * wrong presence codes are limited per staff member across cases; a national ID is searched only with the
 * customer present; searches have a day window.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { MAX_PRESENCE_FAILURES_PER_STAFF } from '../../src/access/cases/presence-codes.ts';
import { testCustos, type TestCustos, watcherObservesOnly } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';
import { fetchSend, type Send, signInStaff } from '../support/staff-session.ts';
import { invitationTokenIn } from '../support/smtp-sink.ts';

type Staff = Awaited<ReturnType<typeof signInStaff>>;

/** A PRC ID with its check character. */
function prcId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'[sum % 11];
}
const VICTIM_ID = prcId('44030519880612345');
const UNKNOWN_ID = prcId('44030519880612346');

for (const { dialect, skip } of await dialects()) {
  describe(`account safety over HTTP (${dialect})`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 3, 9));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let clerk: Staff;
    let serial = 0;

    before(async () => {
      // Searches all day and guessed codes are what the watcher contains; here the limits themselves are tested.
      t = await testCustos(dialect, { clock, risk: watcherObservesOnly });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      clerk = await signInStaff(send, t.adminToken, { role: 'store', now: clock.now });
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const as = (s: Staff) => ({ authorization: `Bearer ${s.token}` });
    const stepUp = async (s: Staff) => {
      clock.advance(31_000);
      const res = await send('POST', '/v1/auth/step-up', { code: totp(s.secret, clock.now()) }, as(s));
      assert.equal(res.status, 204);
    };
    const customer = async (extra: Record<string, string> = {}) => {
      serial++;
      const email = `victim.${serial}.${dialect}@example.com`;
      const view = await t.custos.vault.createCustomer(systemActor, {
        name: `Victim ${serial}`,
        email,
        phone: `+86 139 0000 ${String(1000 + serial)}`,
        national_id: '11010519491231002X',
        ...extra,
      });
      return { id: view.id, email };
    };
    const openCase = async (s: Staff, customerId: string, extra: object = {}) => {
      const res = await send(
        'POST',
        '/v1/cases',
        { customerId, purpose: 'repair', channel: 'counter', ...extra },
        as(s),
      );
      return res;
    };
    const presenceCode = async (customerId: string) =>
      (await t.custos.access.presenceCodes.issue(systemActor, customerId)).code;

    test('the portal invitation token never reaches staff: it is mailed over SMTP to the email on file', async () => {
      const victim = await customer();
      const kase = await openCase(clerk, victim.id);
      await stepUp(clerk);
      const res = await send(
        'POST',
        `/v1/cases/${kase.body && (kase.body as { id: string }).id}/portal-invitation`,
        { channel: 'email' },
        as(clerk),
      );
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body, { channel: 'email', status: 'requested' });
      // The clerk tries to sign up with what they were given: there is no token to use.
      assert.equal(await t.deliver(), 1);
      const mails = t.smtp.to(victim.email);
      assert.equal(mails.length, 1, 'delivered over SMTP to the address on file');
      const token = invitationTokenIn(mails[0]!);
      assert.ok(!JSON.stringify(res.body).includes(token), 'the token is not in the staff answer');
      const sent = await ledgerEntries(t.custos, 'notification.sent');
      assert.equal(sent.at(-1)?.subject, victim.id);
      assert.ok(!JSON.stringify(sent).includes(victim.email), 'the ledger names no address');
      const signedUp = await send(
        'POST',
        '/v1/portal/sign-up',
        { token, password: 'the customer chose this' },
        {},
      );
      assert.equal(signedUp.status, 200, 'the customer signs up with the mailed token');
    });

    test('email swap: a contact change without the customer present is refused, nothing written, nothing sent', async () => {
      const victim = await customer();
      const caseId = ((await openCase(clerk, victim.id)).body as { id: string }).id;
      await stepUp(clerk);
      for (const change of [
        { email: 'clerk.holds.this@example.com' },
        { phone: '13800000001' },
        { email: null },
      ]) {
        const res = await send('PATCH', `/v1/cases/${caseId}/customer`, change, as(clerk));
        assert.equal(res.status, 403, JSON.stringify(change));
        assert.equal((res.body as { error: { code: string } }).error.code, 'CUSTOMER_PRESENCE_REQUIRED');
      }
      assert.deepEqual(await t.custos.vault.unsealFields(victim.id, ['email']), { email: victim.email });
      // A change that names no contact still works without the customer present.
      const other = await send(
        'PATCH',
        `/v1/cases/${caseId}/customer`,
        { birth_date: '1980-01-02' },
        as(clerk),
      );
      assert.equal(other.status, 200);
      // Inviting after the refused swap reaches the customer's own address, not the clerk's.
      await send('POST', `/v1/cases/${caseId}/portal-invitation`, { channel: 'email' }, as(clerk));
      await t.deliver();
      assert.equal(t.smtp.to('clerk.holds.this@example.com').length, 0);
      assert.equal(t.smtp.to(victim.email).length, 1);
    });

    test('email swap with the customer present: allowed, and the old address is told over SMTP', async () => {
      const victim = await customer();
      const caseId = (
        (await openCase(clerk, victim.id, { presenceCode: await presenceCode(victim.id) })).body as {
          id: string;
        }
      ).id;
      await stepUp(clerk);
      const res = await send(
        'PATCH',
        `/v1/cases/${caseId}/customer`,
        { email: 'New.Address@example.com' },
        as(clerk),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await t.deliver();
      const notices = t.smtp.to(victim.email);
      assert.equal(notices.length, 1, 'the old address is told');
      assert.match(notices[0]!.raw, /Subject: Your contact details were changed/);
      assert.ok(!notices[0]!.raw.includes('new.address'), 'the notice does not name the new address');
      assert.equal(t.smtp.to('new.address@example.com').length, 0);
      const queued = await ledgerEntries(t.custos, 'notification.queued');
      const last = queued.at(-1)?.data as { customerId: string; channel: string; kind: string };
      assert.deepEqual([last.customerId, last.channel, last.kind], [victim.id, 'email', 'contact_changed']);
    });

    test('presence codes: wrong guesses are limited per staff member across cases and case openings', async () => {
      const guesser = await signInStaff(send, t.adminToken, { role: 'support', now: clock.now });
      const victims = await Promise.all([customer(), customer(), customer(), customer()]);
      let wrong = 0;
      // Spread over several cases (four wrong codes each, under the per-case five) and over case openings.
      for (const v of victims) {
        const caseId = ((await openCase(guesser, v.id)).body as { id: string }).id;
        for (let i = 0; i < 4 && wrong < MAX_PRESENCE_FAILURES_PER_STAFF; i++, wrong++) {
          const res = await send(
            'POST',
            `/v1/cases/${caseId}/presence`,
            { code: `0000000${i}` },
            as(guesser),
          );
          assert.equal((res.body as { error: { code: string } }).error.code, 'CUSTOMER_PRESENCE_REQUIRED');
        }
      }
      assert.equal(wrong, MAX_PRESENCE_FAILURES_PER_STAFF);
      // Now even the right code is refused, on a new case and on case opening: the day's guesses are spent.
      const fresh = await customer();
      const right = await presenceCode(fresh.id);
      const opening = await openCase(guesser, fresh.id, { purpose: 'account_recovery', presenceCode: right });
      assert.equal(opening.status, 429, JSON.stringify(opening.body));
      assert.equal((opening.body as { error: { code: string } }).error.code, 'RATE_LIMITED');
      const caseId = ((await openCase(guesser, fresh.id)).body as { id: string }).id;
      const onCase = await send('POST', `/v1/cases/${caseId}/presence`, { code: right }, as(guesser));
      assert.equal(onCase.status, 429);
      const raw = await app.inject({
        method: 'POST',
        url: `/v1/cases/${caseId}/presence`,
        payload: { code: right },
        headers: as(guesser),
      });
      assert.equal(raw.statusCode, 429);
      assert.equal(raw.headers['retry-after'], '86400', 'Retry-After: the day window at most');
      const refusals = (await ledgerEntries(t.custos, 'access.denied')).filter(
        (e) => e.actor === `staff:${guesser.staffId}` && e.data.action === 'presence_check',
      );
      assert.equal(refusals.length, 3, 'each refusal is ledgered');
      // Another clerk is not affected, and the day passes.
      const ok = await openCase(clerk, fresh.id, { purpose: 'account_recovery', presenceCode: right });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      clock.advance(24 * 3600_000 + 1);
      const guesserAgain = await signInStaff(send, t.adminToken, { role: 'support', now: clock.now });
      assert.ok(guesserAgain);
    });

    test('search by national ID needs the customer present, and answers only that customer', async () => {
      const searcher = await signInStaff(send, t.adminToken, { role: 'store', now: clock.now });
      const victim = await customer({ national_id: VICTIM_ID });
      const search = (body: object) => send('POST', '/v1/customers/search', body, as(searcher));
      const bare = await search({ by: 'national_id', value: VICTIM_ID });
      assert.equal(bare.status, 403);
      assert.equal((bare.body as { error: { code: string } }).error.code, 'CUSTOMER_PRESENCE_REQUIRED');
      // A wrong code and an unknown ID answer the same: nothing.
      const wrongCode = await search({
        by: 'national_id',
        value: VICTIM_ID,
        presenceCode: '12345678',
      });
      const unknownId = await search({
        by: 'national_id',
        value: UNKNOWN_ID,
        presenceCode: '12345678',
      });
      assert.deepEqual([wrongCode.status, wrongCode.body], [200, { results: [] }]);
      assert.deepEqual([unknownId.status, unknownId.body], [200, { results: [] }]);
      const code = await presenceCode(victim.id);
      const present = await search({ by: 'national_id', value: VICTIM_ID, presenceCode: code });
      assert.deepEqual(
        (present.body as { results: { id: string }[] }).results.map((r) => r.id),
        [victim.id],
      );
      // The code is still good for the case the customer came for.
      const opened = await openCase(searcher, victim.id, { purpose: 'identity_check', presenceCode: code });
      assert.equal(opened.status, 201);
    });

    test('search has a day window: at the hourly rate all day long, the day runs out', async () => {
      const searcher = await signInStaff(send, t.adminToken, { role: 'contractor', now: clock.now });
      const limits = await t.custos.access.quotas.limitsFor({
        staffId: searcher.staffId,
        role: 'contractor',
      });
      let done = 0;
      let refusal = '';
      for (let hour = 0; hour < 24 && !refusal; hour++) {
        for (let i = 0; i < limits.search_hour; i++) {
          const res = await send(
            'POST',
            '/v1/customers/search',
            { by: 'phone', value: `1390000${String(done).padStart(4, '0')}` },
            as(searcher),
          );
          if (res.status !== 200) {
            refusal = (res.body as { error: { message: string } }).error.message;
            break;
          }
          done++;
        }
        // Keep the session alive across the hour: a request every ten minutes.
        for (let m = 0; m < 6 && !refusal; m++) {
          clock.advance(10 * 60_000 + 1);
          await send('GET', '/v1/auth/session', undefined, as(searcher));
        }
      }
      assert.match(refusal, /search_day/);
      assert.equal(done, limits.search_day, `${done} searches in the day, not ${24 * limits.search_hour}`);
    });
  });
}
