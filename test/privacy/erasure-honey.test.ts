/**
 * Erasure and legal holds on a honey customer (review of step 7): no real customer asked, so an officer who
 * erases one, or puts a hold on one, has reached a honey record like a clerk whose search lands on one —
 * critical at once and security told which record. Before, the officer's acts named no customer to the
 * watcher, and a honey record could be erased (the tripwire gone) without a sound.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AccessFixture, accessFixture } from '../support/access-fixture.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

describe('erasure and legal holds on honey records', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_SHRED_GRACE_MS: '0' } });
  });
  after(() => f?.close());

  async function* honeyPerson(n: number) {
    yield { name: `Honey Person ${n}`, phone: `+86 137 0000 08${n}0`, birth_date: '1979-03-01' };
  }

  const honeyAlerts = async () =>
    (await ledgerEntries(f.t.custos, 'alert.raised'))
      .map((e) => ({ subject: e.subject, ...(e.data as { kind: string; staffId: string }) }))
      .filter((a) => a.kind === 'honey_record_touched');

  type Act = (id: string) => [string, string, object | undefined];
  for (const [what, n, act] of [
    ['erasing', 1, (id: string) => ['POST', `/v1/customers/${id}/erasure`, undefined]],
    [
      'placing a hold on',
      2,
      (id: string) => ['PUT', `/v1/customers/${id}/legal-hold`, { reason: 'keep it' }],
    ],
  ] as [string, number, Act][]) {
    test(`${what} a honey customer is a honey touch: critical, and security told which record`, async () => {
      const [honeyId] = await f.t.custos.watch.honey.seed(honeyPerson(n));
      assert.ok(honeyId);
      const officer = await f.staff('security');
      const [method, url, body] = act(honeyId);
      const res = await f.send(officer, method, url, body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await f.t.custos.watch.watcher.settled();
      assert.equal(f.t.custos.watch.watcher.tierOf(officer.staffId), 'critical');
      const alert = (await honeyAlerts()).find((a) => a.subject === honeyId);
      assert.equal(alert?.staffId, officer.staffId);
    });
  }
});
