/**
 * Reveal notices through a real SMTP server (smtp-server, started by the test): a staff reveal of a
 * customer's phone mails the customer a notice naming the field — never its value, never the staff member's
 * name; a customer with no email gets it by SMS; a customer who chose the daily digest gets no notice but one
 * digest once the day is over, and never a second (another run, a restart with the claim already made).
 * A failing SMTP server: retries with back-off, then a dead letter security sees (no address), and no one
 * else does. Attacked: a staff token on the customer's preference route, a bad mode, a repeated bus event.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { MAX_ATTEMPTS, retryDelay } from '../../src/privacy/outbox/outbox.service.ts';
import { noticeDay } from '../../src/privacy/notices/notices.service.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { portalCustomer as signInPortal } from '../support/portal-customer.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

/** 10:00 in China on 14 December 2026. */
const START = Date.UTC(2026, 11, 14, 2);

/** Wait (without sleeping a fixed time) until `check` holds: bus handlers run after the request answered. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The mail's text with quoted-printable soft breaks undone. */
const textOf = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

function fixtureHelpers(f: () => AccessFixture, clock: ReturnType<typeof manualClock>) {
  const stepUp = async (who: Staff) => {
    clock.advance(31_000);
    const res = await f().send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  /** A staff reveal of `fields` through a fresh case; returns the reveal's id. */
  const reveal = async (who: Staff, customerId: string, fields: string[] = ['phone']) => {
    const caseId = await f().openCase(who, customerId);
    await stepUp(who);
    const res = await f().send(who, 'POST', `/v1/cases/${caseId}/reveal`, {
      fields,
      reason: 'customer asked us to confirm it',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const entry = (await ledgerEntries(f().t.custos, 'customer.revealed')).find(
      (e) => e.data.caseId === caseId,
    );
    assert.ok(entry);
    const revealId = entry.data.revealId;
    await until(async () => {
      const notice = await f()
        .t.custos.database.db.selectFrom('reveal_notices')
        .select(['mode', 'message_id'])
        .where('reveal_id', '=', revealId)
        .executeTakeFirst();
      return notice !== undefined && (notice.mode === 'daily' || notice.message_id !== null);
    }, 'the reveal notice');
    return { revealId, caseId, revealed: res.body.revealed as Record<string, string> };
  };
  const messagesOf = (customerId: string) =>
    f()
      .t.custos.database.db.selectFrom('outbox_messages')
      .selectAll()
      .where('customer_id', '=', customerId)
      .orderBy('created_at')
      .execute();
  return { stepUp, reveal, messagesOf };
}

for (const { dialect, skip } of await dialects())
  describe(`reveal notices (${dialect}, real SMTP)`, { skip }, () => {
    const clock = manualClock(START);
    let f: AccessFixture;
    const h = fixtureHelpers(() => f, clock);

    before(async () => {
      f = await accessFixture(dialect, { clock });
    });
    after(() => f?.close());

    const portalCustomer = () => signInPortal(f, clock.now);

    test("a staff reveal of the phone mails the customer the field's name, not its value nor the staff name", async () => {
      const email = `notice.${process.pid}@example.com`;
      const customerId = await f.customer({ email, phone: '+86 139 1234 5678' });
      const clerk = await f.staff('support', 'east-flagship-store');
      const { revealed } = await h.reveal(clerk, customerId);
      assert.equal(revealed.phone, '+8613912345678', 'the reveal itself worked');
      await f.t.deliver();
      const mails = f.t.smtp.to(email);
      assert.equal(mails.length, 1, 'one notice');
      const text = textOf((mails[0] as { raw: string }).raw);
      assert.match(text, /A staff member viewed your data/);
      assert.match(
        text,
        /your phone number, seen by a support staff member at east-flagship-store, for repair/,
      );
      assert.match(text, /\/portal\/access-history/);
      for (const secret of ['13912345678', '1234 5678', '5678', 'Test Staff', clerk.login]) {
        assert.ok(!text.includes(secret), `the notice does not hold ${secret}`);
      }
      const [message] = await h.messagesOf(customerId);
      assert.equal(message?.kind, 'reveal_notice');
      assert.equal(message?.channel, 'email');
      assert.equal(message?.status, 'sent');
      const queued = (await ledgerEntries(f.t.custos, 'notification.queued')).find(
        (e) => e.data.messageId === message?.id,
      );
      assert.deepEqual(queued?.data, {
        messageId: message?.id,
        customerId,
        channel: 'email',
        kind: 'reveal_notice',
      });
      assert.ok(
        !JSON.stringify(await ledgerEntries(f.t.custos, 'notification.queued')).includes('5678'),
        'the ledger holds ids only',
      );
    });

    test('a customer without an email address is told by SMS', async () => {
      const customerId = await f.customer({ email: '', phone: '+86 139 8765 4321' });
      const clerk = await f.staff('support');
      await h.reveal(clerk, customerId, ['name']);
      const [message] = await h.messagesOf(customerId);
      assert.equal(message?.channel, 'sms');
      await f.t.deliver();
      const dir = join(f.t.config.dataDir, 'outbox', 'sms');
      const sms = readdirSync(dir)
        .map((file) => readFileSync(join(dir, file), 'utf8'))
        .find((t) => t.includes('+8613987654321'));
      assert.ok(sms, 'the SMS went to the phone on file');
      const body = sms.slice(sms.indexOf('\n\n'));
      assert.match(body, /your name, seen by a support staff member/);
      assert.ok(!body.includes('Test Customer') && !body.includes('4321'), 'not the name, not the number');
    });

    test('a repeated reveal event is noticed once', async () => {
      const customerId = await f.customer();
      const clerk = await f.staff('support');
      const { revealId, caseId } = await h.reveal(clerk, customerId);
      f.t.custos.bus.publish('customer.revealed', {
        staffId: clerk.staffId,
        customerId,
        caseId,
        revealId,
        fields: ['phone'],
        purpose: 'repair',
        breakGlass: false,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await h.messagesOf(customerId)).length, 1);
    });

    test('a reveal whose bus event was lost with its process is noticed from the ledger, once', async () => {
      const email = `lost.${process.pid}.${dialect}@example.com`;
      const customerId = await f.customer({ email });
      const clerk = await f.staff('support');
      await h.reveal(clerk, customerId);
      // As if the process had died between the reveal's entry and its handler: nothing noticed, nothing queued.
      const db = f.t.custos.database.db;
      await db.deleteFrom('reveal_notices').where('customer_id', '=', customerId).execute();
      await db.deleteFrom('outbox_messages').where('customer_id', '=', customerId).execute();
      assert.equal(await f.t.custos.privacy.notices.catchUp(), 1);
      assert.equal(await f.t.custos.privacy.notices.catchUp(), 0, 'once');
      await f.t.deliver();
      assert.equal(f.t.smtp.to(email).length, 1);
      assert.match(
        textOf((f.t.smtp.to(email)[0] as { raw: string }).raw),
        /your phone number, seen by a support/,
      );
    });

    test('a notice recorded but never queued (its process died, or queueing failed) is queued by the catch-up', async () => {
      const email = `unqueued.${process.pid}.${dialect}@example.com`;
      const customerId = await f.customer({ email });
      const clerk = await f.staff('support');
      const { revealId } = await h.reveal(clerk, customerId);
      // As if queueing had failed after the notice's row was stored: the row is there, no message.
      const db = f.t.custos.database.db;
      await db.deleteFrom('outbox_messages').where('customer_id', '=', customerId).execute();
      await db
        .updateTable('reveal_notices')
        .set({ message_id: null })
        .where('reveal_id', '=', revealId)
        .execute();
      const notices = f.t.custos.privacy.notices;
      assert.equal(await notices.catchUp(), 0, 'not while its own handler may still be queueing it');
      clock.advance(2 * 60_000);
      assert.equal(await notices.catchUp(), 1);
      assert.equal(await notices.catchUp(), 0, 'once');
      await f.t.deliver();
      assert.equal(f.t.smtp.to(email).length, 1);
    });

    test('a reveal that failed after its entry (act.failed) is not noticed by the catch-up', async () => {
      const email = `failed.${process.pid}.${dialect}@example.com`;
      const customerId = await f.customer({ email, phone: '+86 139 5555 0101' });
      const clerk = await f.staff('support');
      const caseId = await f.openCase(clerk, customerId);
      // The phone's ciphertext damaged: the reveal's entry is written, opening the field then fails.
      await f.t.custos.database.db
        .updateTable('customers')
        .set({ phone_sealed: Buffer.alloc(64, 7) })
        .where('id', '=', customerId)
        .execute();
      await h.stepUp(clerk);
      const res = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone'],
        reason: 'customer asked us to confirm it',
      });
      assert.notEqual(res.status, 200, JSON.stringify(res.body));
      const entry = (await ledgerEntries(f.t.custos, 'customer.revealed')).find(
        (e) => e.data.caseId === caseId,
      );
      assert.ok(entry, 'the reveal was ledgered ahead');
      assert.ok(
        (await ledgerEntries(f.t.custos, 'act.failed')).some((e) => e.subject === customerId),
        'and its failure',
      );
      await f.t.custos.privacy.notices.catchUp();
      await f.t.deliver();
      assert.deepEqual(await h.messagesOf(customerId), [], 'nothing was revealed: nothing to tell');
      assert.equal(f.t.smtp.to(email).length, 0);
    });

    test('the daily digest: no notice at the reveal, one digest once the day is over, never a second', async () => {
      const customer = await portalCustomer();
      assert.deepEqual((await customer.send('GET', '/v1/portal/me/notice-preference')).body, {
        mode: 'immediate',
      });
      const chosen = await customer.send('PUT', '/v1/portal/me/notice-preference', { mode: 'daily' });
      assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
      assert.deepEqual(chosen.body, { mode: 'daily' });
      const set = (await ledgerEntries(f.t.custos, 'notice.preference_set')).find(
        (e) => e.data.customerId === customer.customerId,
      );
      assert.equal(set?.actor, `customer:${customer.customerId}`);

      const clerk = await f.staff('store', 'east-flagship-store');
      await h.reveal(clerk, customer.customerId, ['phone']);
      await h.reveal(clerk, customer.customerId, ['name']);
      const before = f.t.smtp.to(customer.email).length;
      await f.t.deliver();
      assert.equal(f.t.smtp.to(customer.email).length, before, 'no notice at the reveal');
      assert.equal(await f.t.custos.privacy.notices.sendDigests(), 0, 'not before the day is over');

      const day = noticeDay(clock.now());
      clock.set(Date.parse(`${day}T16:00:00Z`) + 60_000); // 00:01 the next day, China time
      assert.equal(await f.t.custos.privacy.notices.sendDigests(), 1);
      assert.equal(await f.t.custos.privacy.notices.sendDigests(), 0, 'a second run sends nothing');
      await f.t.deliver();
      const digests = f.t.smtp.to(customer.email).slice(before);
      assert.equal(digests.length, 1, 'one digest');
      const text = textOf((digests[0] as { raw: string }).raw);
      assert.match(text, new RegExp(`Staff viewed your data on ${day}`));
      assert.match(text, /your phone number, seen by a store staff member at east-flagship-store/);
      assert.match(text, /your name, seen by a store staff member/);
      const claimed = (await ledgerEntries(f.t.custos, 'notice.digest_claimed')).filter(
        (e) => e.data.customerId === customer.customerId,
      );
      assert.deepEqual(
        claimed.map((e) => e.data),
        [{ customerId: customer.customerId, day, reveals: 2, sent: true }],
      );

      // A restart after the claim but before the reveals were marked (a direct edit makes it so): still no second.
      await f.t.custos.database.db
        .updateTable('reveal_notices')
        .set({ message_id: null })
        .where('customer_id', '=', customer.customerId)
        .execute();
      assert.equal(await f.t.custos.privacy.notices.sendDigests(), 0, 'the day is claimed once');
      await f.t.deliver();
      assert.equal(f.t.smtp.to(customer.email).length, before + 1);
    });

    test('the preference is the customer’s own: staff cannot set it, a bad mode is refused', async () => {
      const clerk = await f.staff('support');
      const asStaff = await f.send(clerk, 'PUT', '/v1/portal/me/notice-preference', { mode: 'daily' });
      assert.equal(asStaff.status, 401, JSON.stringify(asStaff.body));
      const customer = await portalCustomer();
      const bad = await customer.send('PUT', '/v1/portal/me/notice-preference', { mode: 'never' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
      const other = await customer.send('PUT', '/v1/portal/me/notice-preference', {
        mode: 'daily',
        customerId: '019a0000-0000-7000-8000-000000000000',
      });
      assert.equal(other.status, 400, 'no customer id to give');
      assert.deepEqual((await customer.send('GET', '/v1/portal/me/notice-preference')).body, {
        mode: 'immediate',
      });
      assert.equal(
        (await customer.send('GET', '/v1/security/dead-letters')).status,
        401,
        'not for customers',
      );
    });
  });

describe('reveal notices through a failing SMTP server (sqlite)', () => {
  const clock = manualClock(START);
  let f: AccessFixture;
  let failing: SMTPServer;
  const h = fixtureHelpers(() => f, clock);

  before(async () => {
    failing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('mailbox unavailable, try later'), { responseCode: 451 }));
      },
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    failing.server.unref();
    const { port } = failing.server.address() as AddressInfo;
    f = await accessFixture('sqlite', { clock, env: { CUSTOS_SMTP_URL: `smtp://127.0.0.1:${port}` } });
  });
  after(async () => {
    await f?.close();
    await new Promise<void>((resolve) => failing.close(() => resolve()));
  });

  test('retries with back-off, then a dead letter that security sees without the address', async () => {
    const email = `bounce.${process.pid}@example.com`;
    const customerId = await f.customer({ email });
    const clerk = await f.staff('support');
    await h.reveal(clerk, customerId);
    const [queued] = await h.messagesOf(customerId);
    assert.ok(queued);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      assert.equal(await f.t.deliver(), 1, `attempt ${attempt} is due`);
      const [m] = await h.messagesOf(customerId);
      assert.equal(Number(m?.attempts), attempt);
      if (attempt < MAX_ATTEMPTS) {
        assert.equal(m?.status, 'pending');
        assert.equal(Number(m?.next_attempt_at), clock.now() + retryDelay(attempt), 'backs off');
        assert.equal(await f.t.deliver(), 0, 'not before its time');
        clock.advance(retryDelay(attempt));
      } else assert.equal(m?.status, 'dead');
    }
    const failures = (await ledgerEntries(f.t.custos, 'notification.failed')).filter(
      (e) => e.data.messageId === queued.id,
    );
    assert.equal(failures.length, MAX_ATTEMPTS);
    assert.equal(failures.at(-1)?.data.dead, true);

    const security = await f.staff('security');
    const listed = await f.send(security, 'GET', '/v1/security/dead-letters');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const letter = listed.body.deadLetters.find((d: { messageId: string }) => d.messageId === queued.id);
    assert.deepEqual(Object.keys(letter).sort(), [
      'attempts',
      'channel',
      'createdAt',
      'customerId',
      'kind',
      'lastError',
      'messageId',
    ]);
    assert.deepEqual(
      [letter.kind, letter.channel, letter.attempts],
      ['reveal_notice', 'email', MAX_ATTEMPTS],
    );
    assert.equal(letter.lastError, 'DELIVERY_FAILED');
    assert.ok(!JSON.stringify(listed.body).includes(email), 'no address');

    const support = await f.staff('support');
    const refused = await f.send(support, 'GET', '/v1/security/dead-letters');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'ACCESS_DENIED');
    assert.equal((await f.send(null, 'GET', '/v1/security/dead-letters')).status, 401);
  });
});
