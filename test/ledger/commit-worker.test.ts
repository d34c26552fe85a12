/**
 * The commit worker (SQLite: the group commit's sealing, insert and fsync on a thread of its own) fails
 * closed and recovers: its write failing, or its thread dying with a batch in hand, rejects that batch's
 * appends (LEDGER_UNAVAILABLE) and a reveal waiting on one answers 503 without plaintext; the tree stays at
 * what is durable, and the next appends (and reveals) go through, on a new thread if need be.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';

describe('the ledger commit worker on sqlite', () => {
  let f: AccessFixture;
  let clerk: Staff;
  /** A connection of the test's own to the server's database file, as an operator or a fault would have. */
  let other: Database.Database;

  before(async () => {
    f = await accessFixture('sqlite');
    clerk = await f.staff('support');
    other = new Database(f.t.config.databaseUrl.slice('sqlite:'.length));
    other.pragma('busy_timeout = 5000');
  });
  after(async () => {
    other?.close();
    await f?.close();
  });

  const ledger = () => f.t.custos.ledger;
  const append = (i: number) =>
    ledger().append({ type: 'customer.viewed', actor: 'system:test', data: { customerId: `w${i}` } });
  const settle = (appends: Array<Promise<number>>) =>
    Promise.allSettled(appends).then((results) =>
      results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason)),
    );

  async function assertVerifies() {
    await ledger().checkpointNow();
    const report = await verifyLedger({
      store: f.t.custos.ledgerStore,
      verifier: verifierFromKey(ledger().vkey),
      origin: ledger().origin,
    });
    assert.deepEqual(report.problems, []);
    assert.equal(report.entries, ledger().size(), 'the tree in memory is what storage holds');
  }

  test('a write that fails rejects the batch, reveals answer 503 with no plaintext, and the next write goes on', async () => {
    const customerId = await f.customer();
    const caseId = await f.openCase(clerk, customerId, 'repair');
    const phone = (await f.t.custos.vault.unsealFields(customerId, ['phone'])).phone as string;
    const size = ledger().size();
    other.exec(
      "create trigger ledger_down before insert on ledger_entries begin select raise(abort, 'disk full'); end",
    );
    try {
      const results = await settle(Array.from({ length: 50 }, (_, i) => append(i)));
      assert.ok(
        results.every((r) => isCustosError(r, 'LEDGER_UNAVAILABLE')),
        'every append is rejected',
      );
      const reply = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['phone'],
        reason: 'customer at the counter',
      });
      assert.equal(reply.status, 503, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, 'LEDGER_UNAVAILABLE');
      assert.ok(!JSON.stringify(reply.body).includes(phone), 'no plaintext in the refusal');
      assert.equal(ledger().size(), size, 'the tree stays at its last committed state');
    } finally {
      other.exec('drop trigger ledger_down');
    }
    const reply = await f.send(clerk, 'POST', `/v1/cases/${caseId}/reveal`, {
      fields: ['phone'],
      reason: 'customer at the counter',
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.revealed.phone, phone);
    await assertVerifies();
  });

  test('the thread dying with a batch in hand rejects that batch; a new thread takes the next one', async () => {
    const worker = f.t.custos.ledgerStore.commitWorker;
    assert.ok(worker, 'a SQLite file gets a commit worker');
    await append(-1); // the thread is up
    const size = ledger().size();
    // Hold the write lock so the batch is in the thread's hands, not yet written, when the thread dies.
    other.exec('begin immediate');
    const settled = settle(Array.from({ length: 50 }, (_, i) => append(i)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const dying = worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    other.exec('rollback');
    await dying;
    const results = await settled;
    assert.ok(
      results.every((r) => isCustosError(r, 'LEDGER_UNAVAILABLE')),
      'every append is rejected',
    );
    assert.equal(ledger().size(), size, 'the tree stays at its last committed state');
    // The dead thread's connection lets go of the file when its thread is torn down: until then (at most the
    // busy timeout) an append may still be refused, never half-written.
    let next: number | undefined;
    for (let attempt = 0; next === undefined; attempt++) {
      next = await append(100).catch((error: unknown) => {
        assert.ok(isCustosError(error, 'LEDGER_UNAVAILABLE') && attempt < 3, String(error));
        return undefined;
      });
    }
    assert.equal(next, size, 'the next append lands right after the last durable entry');
    await assertVerifies();
  });
});
