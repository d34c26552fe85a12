/**
 * Inbound calls as evidence, over HTTP: the telephony system reports a call with its own `telephony` token;
 * a reveal on a case of that customer by the agent who took the call carries `inbound_call` evidence (and the
 * watcher scores nothing for it). Attacked: another agent's call, another number, a stale call, a staff
 * session or a token without the scope posting calls, and the endpoint as a phone-number oracle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';

describe('inbound calls as evidence', () => {
  let f: AccessFixture;
  let clockNow = Date.now();
  const clock = { now: () => clockNow };
  let telephony: string;
  let invitesOnly: string;

  const stepUp = async (who: Staff) => {
    clockNow += 30_000;
    const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  const call = (token: string, from: string, agentStaffId: string) =>
    f.app.inject({
      method: 'POST',
      url: '/v1/integrations/inbound-calls',
      headers: { authorization: `Bearer ${token}` },
      payload: { from, agentStaffId },
    });
  /** Reveal the phone on a new case and return the evidence its ledger entry carries. */
  const revealEvidence = async (who: Staff, customerId: string) => {
    const caseId = await f.openCase(who, customerId);
    await stepUp(who);
    const res = await f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, {
      fields: ['phone'],
      reason: 'caller asked',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (let i = f.t.custos.ledger.size() - 1; i >= 0; i--) {
      const { entry } = await f.t.custos.ledger.entry(i);
      if (entry?.type === 'customer.revealed' && (entry.data as { caseId: string }).caseId === caseId)
        return (entry.data as { evidence: string }).evidence;
    }
    throw new Error('no reveal entry');
  };

  before(async () => {
    f = await accessFixture('sqlite', { clock });
    const admin = await f.staff('admin');
    await stepUp(admin);
    const minted = await f.send(admin, 'POST', '/v1/api-tokens', {
      label: 'exchange',
      scopes: ['telephony'],
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    telephony = minted.body.token;
    const other = await f.send(admin, 'POST', '/v1/api-tokens', { label: 'hr', scopes: ['staff_invite'] });
    invitesOnly = other.body.token;
  });
  after(() => f?.close());

  test("the agent who took the customer's call reveals with inbound_call evidence, and the watcher scores nothing", async () => {
    const agent = await f.staff('support');
    const customerId = await f.customer({ phone: '+86 139 0000 4321' });
    const reported = await call(telephony, '139-0000-4321', agent.staffId);
    assert.equal(reported.statusCode, 202, reported.body);
    assert.equal(await revealEvidence(agent, customerId), 'inbound_call');
    await f.t.custos.watch.watcher.settled();
    assert.equal(f.t.custos.watch.watcher.assess(agent.staffId).score, 0);
  });

  test("another agent's call, another number, or a call long before the case explain nothing", async () => {
    const agent = await f.staff('support');
    const colleague = await f.staff('support');
    const a = await f.customer({ phone: '+86 139 0000 5001' });
    const b = await f.customer({ phone: '+86 139 0000 5002' });
    const c = await f.customer({ phone: '+86 139 0000 5003' });
    await call(telephony, '+86 139 0000 5001', colleague.staffId);
    assert.equal(await revealEvidence(agent, a), 'none', 'the colleague took that call, not the agent');
    await call(telephony, '+86 139 0000 5099', agent.staffId);
    assert.equal(await revealEvidence(agent, b), 'none', 'a call from another number');
    await call(telephony, '+86 139 0000 5003', agent.staffId);
    for (let i = 0; i < 4; i++) {
      clockNow += 8 * 60_000; // the case opens more than half an hour after the call (the session kept alive)
      assert.equal((await f.send(agent, 'GET', '/v1/auth/session')).status, 200);
    }
    assert.equal(await revealEvidence(agent, c), 'none', 'a call long before the case');
  });

  test('a number that is no customer answers exactly like one that is: the endpoint is no oracle', async () => {
    const agent = await f.staff('support');
    await f.customer({ phone: '+86 139 0000 6001' });
    const known = await call(telephony, '+86 139 0000 6001', agent.staffId);
    const unknown = await call(telephony, '+86 139 0000 6002', agent.staffId);
    assert.deepEqual([known.statusCode, unknown.statusCode], [202, 202]);
    assert.deepEqual(Object.keys(known.json()), Object.keys(unknown.json()));
    assert.deepEqual(Object.keys(known.json()), ['callId']);
  });

  test('only a telephony token reports calls: not a staff session, not a token without the scope', async () => {
    const agent = await f.staff('support');
    const asStaff = await f.send(agent, 'POST', '/v1/integrations/inbound-calls', {
      from: '+86 139 0000 7001',
      agentStaffId: agent.staffId,
    });
    assert.equal(asStaff.status, 401);
    const wrongScope = await call(invitesOnly, '+86 139 0000 7001', agent.staffId);
    assert.equal(wrongScope.statusCode, 403, wrongScope.body);
    const clerk = await f.staff('support');
    await stepUp(clerk);
    const mint = await f.send(clerk, 'POST', '/v1/api-tokens', { label: 'mine', scopes: ['telephony'] });
    assert.equal(mint.status, 403, 'a clerk cannot mint a telephony token to explain their own cases');
  });
});
