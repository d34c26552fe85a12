/**
 * Honey records over HTTP: a clerk whose search lands on a honey customer is critical at once — suspended,
 * every session ended, security told which record — without a single reveal. The set is committed in the
 * ledger and the database alone does not say which customers are honey.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { honeyCommitment } from '../../src/watch/honey/honey.service.ts';
import { type AccessFixture, accessFixture } from '../support/access-fixture.ts';

describe('honey records over HTTP', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite', { env: { CUSTOS_HONEY_RECORDS: '3' } });
  });
  after(() => f?.close());

  async function* records(phones: string[]) {
    let n = 0;
    for (const phone of phones) {
      n += 1;
      yield {
        name: `Honey Person ${n}`,
        phone,
        email: `h${n}.${process.pid}@example.net`,
        birth_date: '1979-03-0' + n,
      };
    }
  }

  test('initialisation seeded three and committed to them in the ledger; the marks name no customer', async () => {
    assert.equal(f.t.custos.watch.honey.count, 3);
    const committed = [];
    for (let i = 0; i < f.t.custos.ledger.size(); i++) {
      const { entry } = await f.t.custos.ledger.entry(i);
      if (entry?.type === 'honey.committed')
        committed.push(entry.data as { count: number; commitment: string });
    }
    assert.equal(committed.length, 1);
    assert.equal(committed[0]?.count, 3);
    assert.match(committed[0]?.commitment ?? '', /^[0-9a-f]{64}$/);
  });

  test('the commitment opens with its salt and the set, and with nothing else', async () => {
    const ids = await f.t.custos.watch.honey.seed(records(['+86 137 0000 0001', '+86 137 0000 0002']));
    const db = f.t.custos.database.db;
    const row = await db
      .selectFrom('honey_commitments')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(Buffer.from(row.commitment), honeyCommitment(Buffer.from(row.salt), ids));
    assert.notDeepEqual(Buffer.from(row.commitment), honeyCommitment(Buffer.from(row.salt), ids.slice(1)));
    const marks = (await db.selectFrom('honey_marks').select('mark').execute()).map((m) =>
      Buffer.from(m.mark),
    );
    assert.equal(marks.length, 5);
    for (const id of ids) {
      assert.ok(
        !marks.some((m) => m.toString('hex').includes(id.replaceAll('-', ''))),
        'a mark is not the id',
      );
    }
  });

  test('a search that lands on a honey customer: critical at once, suspended, security told which record', async () => {
    const [honeyId] = await f.t.custos.watch.honey.seed(records(['+86 137 0000 0777']));
    const clerk = await f.staff('support');
    const honest = await f.staff('support');
    const miss = await f.send(honest, 'POST', '/v1/customers/search', {
      by: 'phone',
      value: '+86 137 0000 0778',
    });
    assert.equal(miss.status, 200);

    const hit = await f.send(clerk, 'POST', '/v1/customers/search', { by: 'phone', value: '137-0000-0777' });
    assert.equal(hit.status, 200, 'the search itself answers like any other: the honey record looks real');
    assert.deepEqual(
      hit.body.results.map((c: { id: string }) => c.id),
      [honeyId],
    );
    await f.t.custos.watch.watcher.settled();
    assert.equal(f.t.custos.watch.watcher.tierOf(clerk.staffId), 'critical');
    assert.equal((await f.send(clerk, 'GET', '/v1/cases')).status, 401, 'every session ended');
    assert.equal(f.t.custos.watch.watcher.tierOf(honest.staffId), 'normal');
    assert.equal((await f.send(honest, 'GET', '/v1/cases')).status, 200);

    const alerts = [];
    for (let i = 0; i < f.t.custos.ledger.size(); i++) {
      const { entry } = await f.t.custos.ledger.entry(i);
      if (entry?.type === 'alert.raised') {
        alerts.push({
          subject: entry.subject,
          ...(entry.data as { kind: string; staffId: string; severity: string }),
        });
      }
    }
    const honeyAlert = alerts.find((a) => (a as { kind: string }).kind === 'honey_record_touched') as
      { subject: string; staffId: string; severity: string } | undefined;
    assert.deepEqual(
      [honeyAlert?.subject, honeyAlert?.staffId, honeyAlert?.severity],
      [honeyId, clerk.staffId, 'critical'],
    );
  });
});
