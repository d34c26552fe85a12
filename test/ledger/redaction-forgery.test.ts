/**
 * Issue 13, finding 1: a database operator empties their own recent reveal so it looks like retention, and
 * rewrites its lookup columns so quotas stop counting it. On both dialects, over HTTP: `verify` names the
 * index (a v2 leaf commits to the columns; a redaction must be old and covered by a retention entry), and
 * the quota stays spent — the next reveal is refused, not answered in plaintext.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCustos } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { dialects } from '../support/databases.ts';

const verify = (f: AccessFixture, earlier?: string) =>
  verifyLedger({
    store: f.t.custos.ledgerStore,
    verifier: verifierFromKey(f.t.custos.ledger.vkey),
    origin: f.t.custos.ledger.origin,
    earlier,
  });

async function revealedIndex(f: AccessFixture, customerId: string): Promise<number> {
  const row = await f.t.custos.database.db
    .selectFrom('ledger_entries')
    .select('idx')
    .where('type', '=', 'customer.revealed')
    .where('subject', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.idx);
}

for (const { dialect, skip } of await dialects()) {
  describe(`a reveal erased by hand on ${dialect}`, { skip }, () => {
    const reveal = (f: AccessFixture, who: Staff, caseId: string) =>
      f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['phone'], reason: 'customer asked' });

    test('redacted and relabelled: verify names the index, the quota is not freed', async () => {
      const f = await accessFixture(dialect);
      try {
        const clerk = await f.staff('support');
        await f.t.custos.access.quotas.setOverride(clerk.staffId, 'reveal_hour', 1, 'test');
        const [first, second] = [await f.customer(), await f.customer()];
        const firstCase = await f.openCase(clerk, first);
        const secondCase = await f.openCase(clerk, second);
        assert.equal((await reveal(f, clerk, firstCase)).status, 200);
        const spent = await reveal(f, clerk, secondCase);
        assert.equal(spent.body.error.code, 'QUOTA_EXCEEDED');
        const saved = ((await f.t.custos.ledger.checkpointNow()) as { note: string }).note;
        assert.deepEqual((await verify(f, saved)).problems, []);

        // The DBA: empty the entry as retention would, and move it off their account and type.
        const index = await revealedIndex(f, first);
        await f.t.custos.database.db
          .updateTable('ledger_entries')
          .set({
            entry: null,
            redacted_at: Date.now(),
            actor: 'system:system',
            type: 'customer.viewed',
            subject: null,
          })
          .where('idx', '=', index)
          .execute();
        const stored = await f.t.custos.database.db
          .selectFrom('ledger_entries')
          .select('idx')
          .where('actor', '=', `staff:${clerk.staffId}`)
          .where('type', '=', 'customer.revealed')
          .execute();
        assert.deepEqual(stored, [], 'storage no longer shows the reveal');

        const report = await verify(f, saved);
        assert.equal(report.ok, false);
        assert.equal(report.problems[0]?.index, index);
        assert.match(
          report.problems[0]?.problem as string,
          /time, type, actor, subject or chain link altered/,
        );

        await f.send(clerk, 'POST', '/v1/auth/step-up', { code: totp(clerk.secret, Date.now()) });
        const again = await reveal(f, clerk, secondCase);
        assert.equal(again.status, 429, JSON.stringify(again.body));
        assert.equal(again.body.error.code, 'QUOTA_EXCEEDED');
        assert.equal(again.body.revealed, undefined, 'no plaintext');

        // Restarted on the edited storage (a deployment, a crash): the week's acts are held against the
        // signed tree before anything is counted, so the reveal fails closed instead of being let through.
        const restarted = await createCustos(f.t.config, {
          logger: createLogger('silent'),
          database: f.t.database.schema ? { schema: f.t.database.schema, poolSize: 2 } : {},
        });
        const app = await buildServer(restarted.server());
        try {
          const res = await app.inject({
            method: 'POST',
            url: `/v1/cases/${secondCase}/reveal`,
            headers: { authorization: `Bearer ${clerk.token}` },
            payload: { fields: ['phone'], reason: 'customer asked' },
          });
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().error.code, 'LEDGER_UNAVAILABLE');
          assert.equal(res.json().revealed, undefined, 'no plaintext');
        } finally {
          await app.close();
          await restarted.close();
        }
      } finally {
        await f.close();
      }
    });

    /** This node (the fixture's) and another on the same database; one staff member's reveals counted here. */
    async function twoNodes(actor: string) {
      const f = await accessFixture(dialect);
      const other = await createCustos(f.t.config, {
        logger: createLogger('silent'),
        database: f.t.database.schema ? { schema: f.t.database.schema, poolSize: 2 } : {},
      });
      return {
        f,
        other,
        count: () => f.t.custos.ledger.distinctSubjectsSince(actor, 'customer.revealed', [0], 'z'),
        revealOn: (node: typeof other, customerId: string) =>
          node.ledger.append({
            type: 'customer.revealed',
            actor,
            subject: customerId,
            data: { customerId, caseId: 'k', fields: ['name'], purpose: 'repair', revealId: 'r', reason: '' },
          }),
      };
    }

    test('a reveal another node appended, its subject rewritten: counts refuse rather than shrink', async () => {
      const { f, other, count, revealOn } = await twoNodes('staff:01a20000-0000-7000-8000-0000000000ee');
      try {
        assert.deepEqual(await count(), [{ count: 0, includes: false }]); // this node has read the week back
        await revealOn(other, 'c0');
        const index = await revealOn(other, 'c1');
        assert.deepEqual(await count(), [{ count: 2, includes: false }], 'the other node’s reveals count');
        await f.t.custos.database.db
          .updateTable('ledger_entries')
          .set({ subject: 'c0' })
          .where('idx', '=', index)
          .execute();
        await assert.rejects(count(), (e) => isCustosError(e, 'LEDGER_UNAVAILABLE'));
      } finally {
        await other.close();
        await f.close();
      }
    });

    test('another node’s reveals this node has stepped over are counted from memory: deleting them frees nothing, rewriting them is caught', async () => {
      const actor = 'staff:01a20000-0000-7000-8000-0000000000ef';
      const { f, other, count, revealOn } = await twoNodes(actor);
      try {
        const stepOver = () =>
          f.t.custos.ledger.append({ type: 'customer.viewed', actor: 'staff:x', data: { customerId: 'y' } });
        assert.deepEqual(await count(), [{ count: 0, includes: false }]);
        await revealOn(other, 'c0');
        await revealOn(other, 'c1');
        await stepOver(); // this node's sequencer moves past the other's entries: it catches them up
        assert.deepEqual(await count(), [{ count: 2, includes: false }]);
        await f.t.custos.database.db.deleteFrom('ledger_entries').where('actor', '=', actor).execute();
        assert.deepEqual(await count(), [{ count: 2, includes: false }], 'a deleted row frees no quota');
        const index = await revealOn(other, 'c2');
        await f.t.custos.database.db
          .updateTable('ledger_entries')
          .set({ subject: 'c0' })
          .where('idx', '=', index)
          .execute();
        await stepOver();
        await assert.rejects(count(), (e) => isCustosError(e, 'LEDGER_UNAVAILABLE'));
      } finally {
        await other.close();
        await f.close();
      }
    });

    test('a restart on intact storage counts the week from it: the quota stays spent', async () => {
      const f = await accessFixture(dialect);
      try {
        const clerk = await f.staff('support');
        await f.t.custos.access.quotas.setOverride(clerk.staffId, 'reveal_hour', 1, 'test');
        const [first, second] = [await f.customer(), await f.customer()];
        const firstCase = await f.openCase(clerk, first);
        const secondCase = await f.openCase(clerk, second);
        assert.equal((await reveal(f, clerk, firstCase)).status, 200);
        const restarted = await createCustos(f.t.config, {
          logger: createLogger('silent'),
          database: f.t.database.schema ? { schema: f.t.database.schema, poolSize: 2 } : {},
        });
        const app = await buildServer(restarted.server());
        try {
          // Work goes on and a checkpoint is signed before anything is counted: the read-back covers it.
          await restarted.ledger.append({
            type: 'customer.viewed',
            actor: 'api-token:t',
            data: { customerId: 'x' },
          });
          await restarted.ledger.checkpointNow();
          const res = await app.inject({
            method: 'POST',
            url: `/v1/cases/${secondCase}/reveal`,
            headers: { authorization: `Bearer ${clerk.token}` },
            payload: { fields: ['phone'], reason: 'customer asked' },
          });
          assert.equal(res.statusCode, 429, res.body);
          assert.equal(res.json().error.code, 'QUOTA_EXCEEDED');
        } finally {
          await app.close();
          await restarted.close();
        }
      } finally {
        await f.close();
      }
    });

    test('emptied without touching its columns: refused as younger than the floor, quota still spent', async () => {
      const f = await accessFixture(dialect);
      try {
        const clerk = await f.staff('support');
        await f.t.custos.access.quotas.setOverride(clerk.staffId, 'reveal_hour', 1, 'test');
        const [first, second] = [await f.customer(), await f.customer()];
        const firstCase = await f.openCase(clerk, first);
        const secondCase = await f.openCase(clerk, second);
        assert.equal((await reveal(f, clerk, firstCase)).status, 200);
        await f.t.custos.ledger.checkpointNow();
        const index = await revealedIndex(f, first);
        await f.t.custos.database.db
          .updateTable('ledger_entries')
          .set({ entry: null, redacted_at: Date.now() })
          .where('idx', '=', index)
          .execute();
        const report = await verify(f);
        assert.equal(report.ok, false);
        assert.equal(report.problems[0]?.index, index);
        assert.match(report.problems[0]?.problem as string, /younger than the retention floor/);
        const refused = await reveal(f, clerk, secondCase);
        assert.equal(refused.body.error.code, 'QUOTA_EXCEEDED');
      } finally {
        await f.close();
      }
    });
  });
}
