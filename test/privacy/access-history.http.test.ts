/**
 * The access history over HTTP, checked the way a customer's device would (test/support/history-check.ts,
 * independent of the server's code): a staff reveal appears with its purpose, role, site and evidence, with an
 * inclusion proof and the subject map's proof; an answer with one item left out, or with a chain link
 * rewritten, fails the check; an entry deleted from the database is caught by the device too. Only the
 * customer's own session reads it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { signInCustomer } from '../support/customer-session.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { checkHistory, type HistoryAnswer } from '../support/history-check.ts';
import { type Send, signInStaff } from '../support/staff-session.ts';

interface Item {
  index: number;
  type: string;
  kind: string;
  actor: { kind: string; role?: string; site?: string; region?: string; name?: string };
  purpose: string | null;
  caseId: string | null;
  evidence: string | null;
  customerPresent: boolean | null;
  fields: string[];
  proof: { header: string | null; data: unknown; inclusionProof: string[] };
}

describe('a customer’s access history, provably complete', () => {
  const clock = manualClock(Date.UTC(2026, 11, 2, 9));
  let t: TestCustos;
  let app: FastifyInstance;
  let send: Send;
  let staff: Awaited<ReturnType<typeof signInStaff>>;
  let customer: Awaited<ReturnType<typeof signInCustomer>>;
  let vkey: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    t = await testCustos('sqlite', { clock });
    app = await buildServer(t.custos.server());
    send = async (method, url, body, headers) => {
      const res = await app.inject({ method: method as 'GET', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    staff = await signInStaff(send, t.adminToken, { now: clock.now });
    customer = await signInCustomer(send, staff, { now: clock.now, inbox: t });
    // The log's key as the device knows it: published, not taken from the answer.
    vkey = t.custos.ledger.vkey;
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  async function revealName(): Promise<string> {
    const cases = await send(
      'GET',
      `/v1/cases?customerId=${customer.customerId}`,
      undefined,
      bearer(staff.token),
    );
    const caseId = ((cases.body as { cases: Array<{ id: string }> }).cases[0] as { id: string }).id;
    clock.advance(30_000);
    const stepUp = await send(
      'POST',
      '/v1/auth/step-up',
      { code: totp(staff.secret, clock.now()) },
      bearer(staff.token),
    );
    assert.equal(stepUp.status, 204);
    const revealed = await send(
      'POST',
      `/v1/cases/${caseId}/reveal`,
      { fields: ['name'], reason: 'confirming who the repair is for' },
      bearer(staff.token),
    );
    assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
    return caseId;
  }

  const history = async () => {
    const res = await send('GET', '/v1/portal/me/history', undefined, bearer(customer.token));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as HistoryAnswer<Item>;
  };

  test('a staff reveal is in the history with purpose, role, site and evidence, and it all checks', async () => {
    const caseId = await revealName();
    // The customer's notice of the reveal is queued by a batch after the reveal answers: let it land first, so
    // that the look below is the newest entry.
    for (
      let i = 0;
      i < 100 && !(await history()).items.some((item) => item.type === 'notification.queued');
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 10));
    const answer = await history();
    const walked = checkHistory(answer, customer.customerId, vkey);
    assert.equal(walked.length, answer.items.length);
    const reveal = answer.items.find((i) => i.kind === 'reveal');
    assert.ok(reveal, 'the reveal is there');
    assert.deepEqual(reveal.fields, ['name']);
    assert.equal(reveal.purpose, 'repair');
    assert.equal(reveal.caseId, caseId);
    assert.equal(reveal.actor.kind, 'staff');
    assert.equal(reveal.actor.role, 'support');
    assert.equal(reveal.actor.site, 'east-call-centre');
    assert.equal(reveal.actor.region, 'east');
    assert.equal(reveal.actor.name, undefined, 'names are hidden by default');
    assert.ok(reveal.evidence, 'the evidence kind is given');
    const text = JSON.stringify(answer);
    assert.equal(text.includes('Portal Customer') || text.includes(customer.email), false, 'no value');
    // The look itself is the newest item, and the case that opened the access is there too.
    assert.equal(answer.items[0]?.kind, 'self_access');
    assert.equal(answer.items[0]?.actor.kind, 'you');
    assert.ok(answer.items.some((i) => i.type === 'case.opened' && i.caseId === caseId));
  });

  test('an answer with one item left out fails the device’s check', async () => {
    const answer = await history();
    const revealAt = answer.items.findIndex((i) => i.kind === 'reveal');
    const without = { ...answer, items: answer.items.filter((_, i) => i !== revealAt) };
    assert.throws(() => checkHistory(without, customer.customerId, vkey), /missing from the history/);
    // Leaving out the newest item instead: the map still names it.
    const newest = { ...answer, items: answer.items.slice(1) };
    assert.throws(() => checkHistory(newest, customer.customerId, vkey), /missing from the history/);
  });

  test('an answer whose chain link skips an entry fails: the rewritten header is not in the log', async () => {
    const answer = await history();
    const at = answer.items.findIndex((i) => i.kind === 'reveal');
    const next = answer.items[at - 1] as Item;
    const header = JSON.parse(Buffer.from(next.proof.header as string, 'base64').toString('utf8'));
    header.prev = (answer.items[at + 1] as Item).index;
    const relinked = {
      ...next,
      proof: { ...next.proof, header: Buffer.from(JSON.stringify(header)).toString('base64') },
    };
    const items = answer.items.map((i, n) => (n === at - 1 ? relinked : i)).filter((_, n) => n !== at);
    assert.throws(() => checkHistory({ ...answer, items }, customer.customerId, vkey), /not in the log/);
  });

  test('a reveal the watcher marked special shows without its payload: security’s marks stay security’s', async () => {
    // A staff-initiated reveal of a customer security marked as a VIP carries `context.special` in its entry.
    await t.custos.ledger.append({
      type: 'customer.revealed',
      actor: `staff:${staff.staffId}`,
      data: {
        customerId: customer.customerId,
        caseId: 'case-x',
        fields: ['name'],
        purpose: 'repair',
        revealId: 'reveal-x',
        reason: '',
        evidence: 'none',
        context: { special: 'vip' },
      },
    });
    const answer = await history();
    const item = answer.items.find((i) => i.caseId === 'case-x') as Item;
    assert.equal(item.proof.data, null, 'the payload is withheld');
    assert.deepEqual([item.kind, item.fields, item.purpose], ['reveal', ['name'], 'repair']);
    // As a value or a key — not as three letters inside base64 (proofs and signatures), which they can be by chance.
    const text = JSON.stringify(answer);
    assert.equal(
      text.includes('"vip"') || text.includes('"special"'),
      false,
      'the mark is not in the answer',
    );
    // Its header still proves when, what, who and its place in the chain.
    checkHistory(answer, customer.customerId, vkey);
  });

  test('a long history comes in pages, each checked, which together walk the whole chain', async () => {
    // Anyone lengthens a history by looking (each look is an entry): 250 more, appended at once.
    const self = `customer:${customer.customerId}`;
    await Promise.all(
      Array.from({ length: 250 }, () =>
        t.custos.ledger.append({
          type: 'customer.self_viewed',
          actor: self,
          data: { customerId: customer.customerId },
        }),
      ),
    );
    const first = await history();
    assert.equal(first.items.length, 100);
    assert.equal(typeof first.next, 'number');
    const walked = checkHistory(first, customer.customerId, vkey);
    let from = first.next;
    while (from !== null) {
      const res = await send(
        'GET',
        `/v1/portal/me/history?from=${from}&limit=500`,
        undefined,
        bearer(customer.token),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const page = res.body as HistoryAnswer<Item>;
      walked.push(...checkHistory(page, customer.customerId, vkey, from));
      // A page cut short (its last item dropped, `next` kept) fails the device's check.
      const cut = { ...page, items: page.items.slice(0, -1) };
      assert.throws(() => checkHistory(cut, customer.customerId, vkey, from as number), /missing/);
      from = page.next;
    }
    assert.ok(walked.length > 250);
    assert.deepEqual(
      walked,
      [...walked].sort((a, b) => b - a),
    );
    for (const bad of ['limit=501', 'limit=0', 'from=-1', 'from=x', 'other=1']) {
      const res = await send('GET', `/v1/portal/me/history?${bad}`, undefined, bearer(customer.token));
      assert.equal(res.status, 400, bad);
    }
  });

  test('an entry about the customer deleted from the database: the device sees the gap', async () => {
    await revealName();
    const before = await history();
    const reveal = before.items.find((i) => i.kind === 'reveal') as Item;
    await t.custos.database.db.deleteFrom('ledger_entries').where('idx', '=', reveal.index).execute();
    const answer = await history();
    assert.equal(
      answer.items.some((i) => i.index === reveal.index),
      false,
    );
    assert.throws(
      () => checkHistory(answer, customer.customerId, vkey),
      new RegExp(`entry ${reveal.index} about this customer is missing`),
    );
  });

  test('only the customer’s own portal session reads it', async () => {
    const asStaff = await send('GET', '/v1/portal/me/history', undefined, bearer(staff.token));
    assert.equal(asStaff.status, 401);
    const asAdmin = await send('GET', '/v1/portal/me/history', undefined, bearer(t.adminToken));
    assert.equal(asAdmin.status, 401);
    const anonymous = await send('GET', '/v1/portal/me/history', undefined, {});
    assert.equal(anonymous.status, 401);
  });
});
