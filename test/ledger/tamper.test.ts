/**
 * Invariant 3: any edit, deletion or reordering of ledger storage is detected by `custos verify`, which names
 * the first bad index — on SQLite and PostgreSQL, through the library and through the command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { sealEntry } from '../../src/ledger/entry-leaf.ts';
import type { LedgerEntry } from '../../src/ledger/entry-types.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { createCustos } from '../../src/app.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;

/** A ledger of 700 entries with checkpoints at 300 (also saved outside the database) and 700. */
async function seededLedger(dialect: 'sqlite' | 'postgres'): Promise<{ t: TestCustos; earlier: string }> {
  const t = await testCustos(dialect);
  const append = (i: number) =>
    t.custos.ledger.append({
      type: 'customer.viewed',
      actor: 'api-token:t',
      subject: `c${i}`,
      data: { customerId: `c${i}` },
    });
  // Initialisation already wrote a few entries (the first API token's): entry `c<i>` sits at index i.
  const base = t.custos.ledger.size();
  await Promise.all(Array.from({ length: 300 - base }, (_, i) => append(base + i)));
  const earlier = ((await t.custos.ledger.checkpointNow()) as { note: string }).note;
  await Promise.all(Array.from({ length: 400 }, (_, i) => append(300 + i)));
  await t.custos.ledger.checkpointNow();
  return { t, earlier };
}

/** Entry `index` rewritten by `edit` (on its JSON text), sealed as the sequencer would, and tile 0/0 to match. */
async function forgeEntry(t: TestCustos, index: number, edit: (json: string) => string) {
  const row = await t.custos.ledgerStore.entry(index);
  const forged = sealEntry(JSON.parse(edit((row?.entry as Buffer).toString('utf8'))) as LedgerEntry);
  const tile = await t.custos.ledgerStore.tile(0, 0);
  const hashes = Buffer.from(tile?.hashes as Buffer);
  forged.leaf.copy(hashes, index * 32);
  return { forged, hashes };
}

async function verify(t: TestCustos, earlier?: string) {
  return verifyLedger({
    store: t.custos.ledgerStore,
    verifier: verifierFromKey(t.custos.ledger.vkey),
    origin: t.custos.ledger.origin,
    earlier,
  });
}

for (const { dialect, skip } of await dialects()) {
  describe(`tampering with the ledger on ${dialect}`, { skip }, () => {
    const scenario = (name: string, body: (t: TestCustos, earlier: string) => Promise<void>) =>
      test(name, async () => {
        const { t, earlier } = await seededLedger(dialect);
        try {
          await body(t, earlier);
        } finally {
          await t.cleanup();
        }
      });

    scenario('untouched storage verifies against both checkpoints', async (t, earlier) => {
      const report = await verify(t, earlier);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.verifiedCheckpoints, [300, 300, 700]);
    });

    scenario('one byte of one entry changed → that index', async (t) => {
      const db = t.custos.database.db;
      const row = await t.custos.ledgerStore.entry(417);
      const bytes = Buffer.from(row?.entry as Buffer);
      bytes[bytes.indexOf('c417') + 1] = '9'.charCodeAt(0);
      await db.updateTable('ledger_entries').set({ entry: bytes }).where('idx', '=', 417).execute();
      const report = await verify(t);
      assert.equal(report.ok, false);
      assert.equal(report.problems[0]?.index, 417);
      assert.match(report.problems[0]?.problem as string, /does not match the leaf hash/);
    });

    scenario('a lookup column edited alone (actor, type, subject, at) → that index', async (t) => {
      // Quotas and "who accessed this customer" read these columns, not the signed bytes: an edit of one of
      // them, leaving the entry and its leaf hash intact, must still be caught. Each column in turn, restored
      // before the next.
      const db = t.custos.database.db;
      const edits = [
        { column: 'actor', set: { actor: 'staff:someone-else' } },
        { column: 'type', set: { type: 'customer.searched' } },
        { column: 'subject', set: { subject: 'c999' } },
        { column: 'subject (cleared)', set: { subject: null } },
        { column: 'at', set: { at: 1 } },
      ] as const;
      const original = await db
        .selectFrom('ledger_entries')
        .select(['actor', 'type', 'subject', 'at'])
        .where('idx', '=', 417)
        .executeTakeFirstOrThrow();
      for (const { column, set } of edits) {
        await db.updateTable('ledger_entries').set(set).where('idx', '=', 417).execute();
        const report = await verify(t);
        assert.equal(report.ok, false, column);
        assert.equal(report.problems[0]?.index, 417, column);
        assert.match(report.problems[0]?.problem as string, /lookup columns disagree/, column);
        await db.updateTable('ledger_entries').set(original).where('idx', '=', 417).execute();
      }
      assert.deepEqual((await verify(t)).problems, [], 'restored, it verifies again');

      // The signed bytes made to disagree with the row's leaf format, or re-encoded non-canonically (the
      // same JSON with a space): reported at that index, not accepted and not thrown.
      const bytes = Buffer.from((await t.custos.ledgerStore.entry(417))?.entry as Buffer);
      assert.ok(bytes.includes('"v":3'));
      const claimsV1 = Buffer.from(bytes.toString('utf8').replace('"v":3', '"v":1'));
      const spaced = Buffer.from(bytes.toString('utf8').replace('{', '{ '));
      for (const [what, entry] of [
        ['v1 in a v3 row', claimsV1],
        ['non-canonical', spaced],
      ] as const) {
        await db.updateTable('ledger_entries').set({ entry }).where('idx', '=', 417).execute();
        const report = await verify(t);
        assert.equal(report.problems[0]?.index, 417, what);
        assert.match(report.problems[0]?.problem as string, /lookup columns disagree/, what);
      }
    });

    scenario('one entry deleted → that index', async (t) => {
      await t.custos.database.db.deleteFrom('ledger_entries').where('idx', '=', 123).execute();
      const report = await verify(t);
      assert.equal(report.problems[0]?.index, 123);
      assert.match(report.problems[0]?.problem as string, /missing/);
    });

    scenario('two entries swapped → the first of them', async (t) => {
      const db = t.custos.database.db;
      const a = await t.custos.ledgerStore.entry(50);
      const b = await t.custos.ledgerStore.entry(610);
      await db
        .updateTable('ledger_entries')
        .set({ entry: b?.entry ?? null, subject: b?.subject ?? null })
        .where('idx', '=', 50)
        .execute();
      await db
        .updateTable('ledger_entries')
        .set({ entry: a?.entry ?? null, subject: a?.subject ?? null })
        .where('idx', '=', 610)
        .execute();
      const report = await verify(t);
      assert.equal(report.problems[0]?.index, 50);
    });

    scenario('the tail truncated → the first missing index', async (t) => {
      await t.custos.database.db.deleteFrom('ledger_entries').where('idx', '>=', 650).execute();
      const report = await verify(t);
      assert.equal(report.ok, false);
      assert.equal(report.problems[0]?.index, 650);
      assert.match(report.problems[0]?.problem as string, /truncated/);
    });

    scenario(
      'history rewritten with its tree and checkpoints deleted → caught by the saved checkpoint',
      async (t, earlier) => {
        const db = t.custos.database.db;
        // The attacker rewrites entry 10 and the leaf hash in tile 0/0 to match, then removes every checkpoint.
        const { forged, hashes } = await forgeEntry(t, 10, (s) => s.replaceAll('"c10"', '"zz"'));
        await db
          .updateTable('ledger_entries')
          .set({ entry: forged.bytes, subject: 'zz', payload_hash: forged.payloadHash })
          .where('idx', '=', 10)
          .execute();
        await db
          .updateTable('ledger_tiles')
          .set({ hashes })
          .where('level', '=', 0)
          .where('idx', '=', 0)
          .execute();
        await sql`delete from ledger_checkpoints`.execute(db);
        const blind = await verify(t);
        assert.equal(blind.ok, true, 'without any checkpoint the rewrite is self-consistent');
        const report = await verify(t, earlier);
        assert.equal(report.ok, false);
        assert.equal(report.problems[0]?.index, 0);
        assert.match(report.problems[0]?.problem as string, /\[0, 300\)/);
      },
    );

    scenario(
      'an entry rewritten with its leaf, without the key → a restarted ledger refuses to count',
      async (t) => {
        const { forged, hashes } = await forgeEntry(t, 10, (s) => s.replaceAll('"c10"', '"zz"'));
        const db = t.custos.database.db;
        await db
          .updateTable('ledger_entries')
          .set({ entry: forged.bytes, subject: 'zz', payload_hash: forged.payloadHash })
          .where('idx', '=', 10)
          .execute();
        await db
          .updateTable('ledger_tiles')
          .set({ hashes })
          .where('level', '=', 0)
          .where('idx', '=', 0)
          .execute();
        const restarted = await createCustos(t.config, {
          logger: createLogger('silent'),
          database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
        });
        try {
          await assert.rejects(restarted.ledger.countSince('api-token:t', 'customer.searched', 0), (e) =>
            isCustosError(e, 'LEDGER_UNAVAILABLE'),
          );
        } finally {
          await restarted.close();
        }
        const intact = await seededLedger(dialect);
        try {
          assert.equal(await intact.t.custos.ledger.countSince('api-token:t', 'customer.searched', 0), 0);
        } finally {
          await intact.t.cleanup();
        }
      },
    );

    scenario('a forged checkpoint (not signed by the ledger key) is reported', async (t) => {
      const latest = (await t.custos.ledger.latestCheckpoint()) as string;
      const forged = latest.replace(/\n700\n/, '\n701\n');
      await t.custos.database.db
        .insertInto('ledger_checkpoints')
        .values({ size: 701, root: Buffer.alloc(32), note: forged, created_at: 0 })
        .execute();
      const report = await verify(t);
      assert.equal(report.ok, false);
      assert.match(report.problems[0]?.problem as string, /signature or format invalid/);
    });

    if (dialect === 'sqlite') {
      scenario('the command exits 1 and names the index; 0 on intact storage', async (t, earlier) => {
        const env = {
          ...process.env,
          CUSTOS_DATA_DIR: t.config.dataDir,
          CUSTOS_DATABASE_URL: t.config.databaseUrl,
          CUSTOS_DEMO: 'false',
        };
        const saved = join(t.config.dataDir, 'earlier.checkpoint');
        writeFileSync(saved, earlier);
        const ok = await run(process.execPath, [bin, 'verify', '--checkpoint', saved], { env });
        assert.match(ok.stdout, /^OK: 700 entries/);
        await t.custos.database.db.deleteFrom('ledger_entries').where('idx', '=', 222).execute();
        const bad = await run(process.execPath, [bin, 'verify', '--checkpoint', saved], { env }).catch(
          (e) => e,
        );
        assert.equal(bad.code, 1);
        assert.match(bad.stdout, /index 222: entry 222 is missing/);
      });
    }
  });
}
