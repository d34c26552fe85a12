/**
 * Completeness: each subject's entries form a chain the tree commits to (leaf v3 `prev`), and every checkpoint
 * commits to the subject map (subject → newest entry). `custos verify` catches a chain link edited, an entry
 * moved out of a customer's chain with its leaf rebuilt, and a checkpoint whose map does not match the log —
 * and two nodes appending for the same customers keep one chain. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createCustos } from '../../src/app.ts';
import { parseCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { sealEntry } from '../../src/ledger/entry-leaf.ts';
import type { LedgerEntry } from '../../src/ledger/entry-types.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { parseSignerKey } from '../../src/ledger/note-keys.ts';
import { parseNote } from '../../src/ledger/signed-note.ts';
import { mapExtension, mapKey, mapRootOf, verifyKeyProof } from '../../src/ledger/subject-map.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const actor = 'api-token:t';

/** 5 customers × 40 views each, interleaved, with a checkpoint. */
async function chainedLedger(dialect: 'sqlite' | 'postgres'): Promise<TestCustos> {
  const t = await testCustos(dialect);
  for (let round = 0; round < 40; round++) {
    await Promise.all(
      Array.from({ length: 5 }, (_, c) =>
        t.custos.ledger.append({ type: 'customer.viewed', actor, data: { customerId: `c${c}` } }),
      ),
    );
  }
  await t.custos.ledger.checkpointNow();
  return t;
}

const verify = (t: TestCustos) =>
  verifyLedger({
    store: t.custos.ledgerStore,
    verifier: verifierFromKey(t.custos.ledger.vkey),
    origin: t.custos.ledger.origin,
  });

/** The indexes of a subject's entries, oldest first. */
async function chainOf(t: TestCustos, subject: string): Promise<Array<{ idx: number; prev: number | null }>> {
  const rows = await t.custos.database.db
    .selectFrom('ledger_entries')
    .select(['idx', 'prev'])
    .where('subject', '=', subject)
    .orderBy('idx')
    .execute();
  return rows.map((r) => ({ idx: Number(r.idx), prev: r.prev === null ? null : Number(r.prev) }));
}

/** Rewrite entry `index` by `edit` and its leaf in tile 0/0, as someone with database access would. */
async function forge(t: TestCustos, index: number, edit: (e: LedgerEntry) => LedgerEntry) {
  const row = await t.custos.ledgerStore.entry(index);
  const entry = edit(JSON.parse((row?.entry as Buffer).toString('utf8')) as LedgerEntry);
  const forged = sealEntry(entry);
  const tile = await t.custos.ledgerStore.tile(0, 0);
  const hashes = Buffer.from(tile?.hashes as Buffer);
  forged.leaf.copy(hashes, index * 32);
  const db = t.custos.database.db;
  await db
    .updateTable('ledger_entries')
    .set({
      entry: forged.bytes,
      subject: entry.subject ?? null,
      prev: entry.prev ?? null,
      payload_hash: forged.payloadHash,
    })
    .where('idx', '=', index)
    .execute();
  await db.updateTable('ledger_tiles').set({ hashes }).where('level', '=', 0).where('idx', '=', 0).execute();
  await sql`delete from ledger_checkpoints`.execute(db);
}

for (const { dialect, skip } of await dialects()) {
  describe(`completeness of each subject's history on ${dialect}`, { skip }, () => {
    test('each entry names the previous one about its subject; the map proves the newest', async () => {
      const t = await chainedLedger(dialect);
      try {
        const chain = await chainOf(t, 'c3');
        assert.equal(chain.length, 40);
        chain.forEach((link, i) => assert.equal(link.prev, i === 0 ? null : (chain[i - 1]?.idx ?? -1)));
        const history = await t.custos.ledger.subjectHistory('c3', { limit: 100 });
        const body = parseCheckpoint(parseNote(history.checkpoint)?.text as string);
        const root = mapRootOf(body?.extensions ?? []);
        assert.ok(root, 'the checkpoint carries the subject map');
        const newest = chain[chain.length - 1]?.idx as number;
        assert.ok(verifyKeyProof(root, mapKey('c3'), newest, history.mapProof));
        assert.deepEqual(
          history.items.map((i) => i.index),
          chain.map((l) => l.idx).reverse(),
        );
        assert.deepEqual((await verify(t)).problems, []);
      } finally {
        await t.cleanup();
      }
    });

    test('a chain link edited in its column alone → that index', async () => {
      const t = await chainedLedger(dialect);
      try {
        const chain = await chainOf(t, 'c1');
        const target = chain[20]?.idx as number;
        await t.custos.database.db
          .updateTable('ledger_entries')
          .set({ prev: chain[18]?.idx as number })
          .where('idx', '=', target)
          .execute();
        const report = await verify(t);
        assert.equal(report.problems[0]?.index, target);
        assert.match(report.problems[0]?.problem as string, /lookup columns disagree/);
      } finally {
        await t.cleanup();
      }
    });

    test("an entry moved out of a customer's chain, leaf rebuilt, checkpoints gone → caught at the next link", async () => {
      const t = await chainedLedger(dialect);
      try {
        const chain = await chainOf(t, 'c2');
        const [moved, next] = [chain[10]?.idx as number, chain[11]?.idx as number];
        // The entry is made to be about someone else, its leaf and tile rebuilt to match, every checkpoint
        // removed: on its own it hashes right, but the next entry about c2 still names it.
        await forge(t, moved, (e) => ({
          ...e,
          subject: 'elsewhere',
          prev: undefined,
          data: { customerId: 'x' },
        }));
        const report = await verify(t);
        assert.equal(report.ok, false);
        assert.equal(report.problems[0]?.index, next);
        assert.match(report.problems[0]?.problem as string, /chain link names/);
      } finally {
        await t.cleanup();
      }
    });

    test('a checkpoint re-signed with another subject map → verify says its map does not match', async () => {
      const t = await chainedLedger(dialect);
      try {
        const stored = await t.custos.ledgerStore.latestCheckpoint();
        const body = parseCheckpoint(parseNote(stored?.note as string)?.text as string);
        assert.ok(body && stored);
        const signer = parseSignerKey(readFileSync(join(t.config.dataDir, 'ledger.key'), 'utf8').trim());
        assert.ok(signer, 'the stolen key');
        const note = signCheckpoint({ ...body, extensions: [mapExtension(Buffer.alloc(32, 9))] }, [signer]);
        await t.custos.database.db
          .updateTable('ledger_checkpoints')
          .set({ note })
          .where('size', '=', stored.size)
          .execute();
        const report = await verify(t);
        assert.equal(report.ok, false);
        assert.match(report.problems.map((p) => p.problem).join('\n'), /subject map does not match the log/);
      } finally {
        await t.cleanup();
      }
    });

    test('two nodes appending for the same customers keep one chain per customer', async () => {
      const t = await testCustos(dialect);
      const other = await createCustos(t.config, {
        logger: createLogger('silent'),
        database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
      });
      try {
        for (let round = 0; round < 10; round++) {
          await Promise.all(
            [t.custos, other].flatMap((node) =>
              ['a', 'b'].map((customerId) =>
                node.ledger.append({ type: 'customer.viewed', actor, data: { customerId } }),
              ),
            ),
          );
        }
        for (const subject of ['a', 'b']) {
          const chain = await chainOf(t, subject);
          assert.equal(chain.length, 20);
          chain.forEach((link, i) => assert.equal(link.prev, i === 0 ? null : (chain[i - 1]?.idx ?? -1)));
        }
        await t.custos.ledger.checkpointNow();
        await other.ledger.checkpointNow();
        assert.deepEqual((await verify(t)).problems, []);
      } finally {
        await other.close();
        await t.cleanup();
      }
    });

    test("an act about a customer that fails: its act.failed joins the customer's chain too", async () => {
      const t = await testCustos(dialect);
      try {
        const failing = t.custos.ledger.record(
          { type: 'customer.viewed', actor, data: { customerId: 'c9' } },
          async () => {
            throw new Error('the act failed');
          },
        );
        await assert.rejects(failing, /the act failed/);
        const chain = await chainOf(t, 'c9');
        assert.equal(chain.length, 2, 'the view and its failure');
        const failed = await t.custos.ledgerStore.entry(chain[1]?.idx as number);
        assert.equal(JSON.parse((failed?.entry as Buffer).toString('utf8')).type, 'act.failed');
      } finally {
        await t.cleanup();
      }
    });
  });
}
