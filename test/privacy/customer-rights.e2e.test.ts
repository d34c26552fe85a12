/**
 * Step 7's whole story, end to end over HTTP against a real listening server, in the order a customer lives
 * it: they sign in with a second factor and see their data; a clerk reveals a field and the customer is told
 * by mail through a real SMTP server (no value in it); their history shows the reveal with proofs that a
 * device checks with code of its own (an item left out is caught); they export their data and it re-imports
 * through `custos import`; they correct a field; they withdraw consent and a later marketing export leaves them
 * out; they erase — and a raw scan of the database files, and of a copy taken before, opens nothing of theirs
 * with the keys that remain. Each part is attacked in its own suite (access-history, notices, portability,
 * consents, erasure); this one shows the parts work together.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { signInCustomer } from '../support/customer-session.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { anyGroupKeyOpens, backup, databaseBytes, storedCustomer } from '../support/erasure-scan.ts';
import { checkHistory, type HistoryAnswer, type ProvenItem } from '../support/history-check.ts';
import { allFields, importIntoFreshInstallation } from '../support/reimport.ts';
import { fetchSend, type Send, signInStaff } from '../support/staff-session.ts';

type Reply = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Staff = Awaited<ReturnType<typeof signInStaff>>;

describe('a customer’s rights, end to end over HTTP', () => {
  const clock = manualClock(Date.UTC(2026, 11, 15, 9));
  const work = mkdtempSync(join(tmpdir(), 'custos-rights-'));
  let t: TestCustos;
  let app: FastifyInstance;
  let send: Send;
  let clerk: Staff;
  let security: Staff;
  let customer: Awaited<ReturnType<typeof signInCustomer>>;

  const as =
    (token: string) =>
    (method: string, url: string, body?: object): Promise<Reply> =>
      send(method, url, body, { authorization: `Bearer ${token}` });
  const me = (method: string, url: string, body?: object) => as(customer.token)(method, url, body);
  const stepUp = async (who: { token: string; secret: Buffer }, path = '/v1/auth/step-up') => {
    clock.advance(31_000);
    const res = await as(who.token)('POST', path, { code: totp(who.secret, clock.now()) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  const customerStepUp = () => stepUp(customer, '/v1/portal/step-up');

  /** A marketing export of `customerIds` asked by the clerk, approved by security, run: who is in it. */
  async function marketingExport(customerIds: string[]) {
    await stepUp(clerk);
    const asked = await as(clerk.token)('POST', '/v1/exports', {
      kind: 'records',
      purpose: 'marketing',
      customerIds,
      fields: ['name'],
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    await stepUp(security);
    const approved = await as(security.token)('POST', `/v1/exports/${asked.body.id}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await stepUp(clerk);
    const ran = await as(clerk.token)('POST', `/v1/exports/${asked.body.id}/run`);
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    return {
      ids: (ran.body.records as { customerId: string }[]).map((r) => r.customerId),
      excluded: ran.body.excluded as number,
    };
  }

  before(async () => {
    t = await testCustos('sqlite', { clock, env: { CUSTOS_SHRED_GRACE_MS: '0' } });
    app = await buildServer(t.custos.server());
    send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
    clerk = await signInStaff(send, t.adminToken, { role: 'support', now: clock.now });
    security = await signInStaff(send, t.adminToken, { role: 'security', now: clock.now });
    customer = await signInCustomer(send, clerk, { inbox: t, now: clock.now });
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  test('sign in with 2FA, see, be told, check, export, correct, withdraw, erase', async () => {
    // 1. Signed in with a password and TOTP (customer-session.ts), they see their own record in plaintext.
    const mine = await me('GET', '/v1/portal/me/data');
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const name = mine.body.fields.name as string;
    assert.equal(mine.body.fields.email, customer.email);

    // 2. A clerk reveals their name through the registration case; the customer is mailed about it.
    const cases = await as(clerk.token)('GET', `/v1/cases?customerId=${customer.customerId}`);
    const caseId = (cases.body.cases as { id: string }[])[0]?.id as string;
    await stepUp(clerk);
    const revealed = await as(clerk.token)('POST', `/v1/cases/${caseId}/reveal`, {
      fields: ['name'],
      reason: 'confirming who the repair is for',
    });
    assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
    // The notice follows the reveal's bus event: queued a moment after the answer, sent by the outbox.
    const notices = () => t.smtp.to(customer.email).filter((m) => m.raw.includes('viewed your data'));
    for (let i = 0; i < 50 && notices().length === 0; i++) {
      await t.deliver();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const mails = notices();
    assert.equal(mails.length, 1, 'one notice, by mail, to the address on file');
    const notice = mails[0]?.raw as string;
    assert.match(notice, /name/);
    assert.equal(notice.includes(name), false, 'the notice holds no value');
    assert.equal(notice.includes('Test Staff'), false, 'nor the staff member’s name');

    // 3. The history shows the reveal; the device checks it is proven and whole, and catches a gap.
    const history = await me('GET', '/v1/portal/me/history');
    assert.equal(history.status, 200, JSON.stringify(history.body));
    type Item = ProvenItem & { kind: string; purpose: string; fields: string[] };
    const answer = history.body as HistoryAnswer<Item>;
    checkHistory(answer, customer.customerId, t.custos.ledger.vkey);
    const reveal = answer.items.find((i) => i.kind === 'reveal');
    assert.deepEqual([reveal?.purpose, reveal?.fields], ['repair', ['name']]);
    const gap = { ...answer, items: answer.items.filter((i) => i.kind !== 'reveal') };
    assert.throws(() => checkHistory(gap, customer.customerId, t.custos.ledger.vkey), /missing/);

    // 4. They export their data, and it re-imports into a fresh installation with the same values.
    const exported = await me('GET', '/v1/portal/me/export?format=json');
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    const file = join(work, 'my-data.json');
    writeFileSync(file, JSON.stringify(exported.body));
    const original = await t.custos.vault.unsealFields(customer.customerId, allFields);
    assert.deepEqual(await importIntoFreshInstallation(file), [original]);

    // 5. They correct their name: a new version, served at once, the old value nowhere in the files.
    await customerStepUp();
    const corrected = await me('PATCH', '/v1/portal/me/data', {
      changes: { name: `${name} Corrected` },
      expectedVersion: mine.body.version,
    });
    assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
    assert.equal((await me('GET', '/v1/portal/me/data')).body.fields.name, `${name} Corrected`);

    // 6. They grant marketing, then withdraw everything in one call: a later marketing export leaves them out.
    await customerStepUp();
    const granted = await me('PUT', '/v1/portal/me/consents/marketing', { granted: true });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(await marketingExport([customer.customerId]), {
      ids: [customer.customerId],
      excluded: 0,
    });
    const withdrawn = await me('POST', '/v1/portal/me/consents/withdraw-all');
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.deepEqual(await marketingExport([customer.customerId]), { ids: [], excluded: 1 });

    // 7. They ask for erasure (and, meanwhile, for a copy): requests with a due date by jurisdiction.
    for (const kind of ['erasure', 'access']) {
      const filed = await me('POST', '/v1/portal/privacy-requests', { kind });
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
    }

    // 8. They erase. A copy of the database and key files from before: after, nothing of theirs opens.
    const copy = backup(t);
    const before = await storedCustomer(copy, customer.customerId);
    assert.ok(before.key, 'the copy holds their wrapped data key');
    await customerStepUp();
    const erased = await me('POST', '/v1/portal/me/erasure');
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.equal(
      anyGroupKeyOpens(t.config.masterKeyFile, t.config.shredGroupFile, before),
      false,
      'the copy’s data key opens under no key that remains',
    );
    const now = await storedCustomer(t.database.dir as string, customer.customerId);
    assert.deepEqual([now.key, now.sealed], [undefined, {}], 'nothing of theirs is left to open');
    for (const dir of [t.database.dir as string, copy]) {
      const bytes = databaseBytes(dir);
      for (const value of [name, `${name} Corrected`, customer.email])
        assert.equal(bytes.includes(Buffer.from(value)), false, `no plaintext of theirs in ${dir}`);
    }
    assert.equal((await me('GET', '/v1/portal/me/data')).status, 401, 'their session went with them');
    // Their requests are closed with them — the erasure fulfilled, the rest withdrawn — so none falls overdue.
    const requests = await t.custos.database.db
      .selectFrom('privacy_requests')
      .select(['kind', 'status'])
      .where('customer_id', '=', customer.customerId)
      .orderBy('kind')
      .execute();
    assert.deepEqual(requests, [
      { kind: 'access', status: 'withdrawn' },
      { kind: 'erasure', status: 'fulfilled' },
    ]);
    clock.advance(400 * 24 * 3600_000);
    assert.equal(await t.custos.rights.requests.raiseOverdueAlerts(), 0);
  });
});
