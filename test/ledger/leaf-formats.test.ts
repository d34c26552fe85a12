/**
 * Ledgers written before the header leaf: their v1 entries stay as they are, the next start appends one
 * `ledger.leaf_format` entry and goes on in v2. A redacted v1 entry is accepted only when a retention entry
 * covers it; a v2 entry passed off as v1 (to be taken on the tree's word) is refused. Both dialects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encodeEntry } from '../../src/ledger/entry-encoding.ts';
import { createLedgerKeyFile, loadLedgerKey } from '../../src/ledger/ledger-key.ts';
import { createLedger, MIN_RETENTION_MS } from '../../src/ledger/ledger.service.ts';
import { createLedgerStore, type NewLedgerEntry } from '../../src/ledger/ledger.store.ts';
import { leafHash } from '../../src/ledger/merkle-hash.ts';
import { appendLeaves, packHashes } from '../../src/ledger/tree-state.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/database/database.ts';
import { migrateToLatest } from '../../src/platform/database/migrate.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { dialects, newTestDatabase } from '../support/databases.ts';

const V1_ENTRIES = 300;
const actor = 'api-token:t';

/** A database holding a v1 ledger of 300 entries from ten months ago, then a Custos ledger started on it. */
async function upgradedLedger(dialect: 'sqlite' | 'postgres') {
  const database = await newTestDatabase(dialect);
  const handle = openDatabase(database.url, database.schema ? { schema: database.schema } : {});
  await migrateToLatest(handle);
  const store = createLedgerStore(handle);
  const at = Date.now() - 300 * 24 * 3600 * 1000;
  const entries: NewLedgerEntry[] = Array.from({ length: V1_ENTRIES }, (_, index) => {
    const entry = encodeEntry({
      v: 1,
      at,
      type: 'customer.viewed',
      actor,
      subject: `c${index}`,
      data: { customerId: `c${index}` },
    });
    return {
      index,
      at,
      type: 'customer.viewed',
      actor,
      subject: `c${index}`,
      entry,
      leafVersion: 1,
      payloadHash: null,
      prev: null,
    };
  });
  const { tiles } = appendLeaves(
    { size: 0, edge: [], rightTiles: [] },
    entries.map((e) => leafHash(e.entry)),
  );
  const written = await store.appendBatch({
    expectedSize: 0,
    entries,
    tiles: tiles.map((t) => ({ level: t.level, index: t.index, hashes: packHashes(t.hashes) })),
  });
  assert.ok(written);
  const dir = mkdtempSync(join(tmpdir(), 'custos-key-'));
  createLedgerKeyFile(join(dir, 'ledger.key'), 'custos.test/ledger');
  const key = loadLedgerKey(join(dir, 'ledger.key'), 'custos.test/ledger');
  const ledger = await createLedger({ store, key, clock: systemClock, logger: createLogger('silent') });
  for (let i = 0; i < 20; i++) {
    await ledger.append({ type: 'customer.viewed', actor, subject: `n${i}`, data: { customerId: `n${i}` } });
  }
  await ledger.checkpointNow();
  const verify = () => verifyLedger({ store, verifier: key.verifier, origin: key.origin });
  return {
    handle,
    store,
    ledger,
    verify,
    async cleanup() {
      await ledger.close();
      await handle.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const { dialect, skip } of await dialects()) {
  describe(`v1 leaves after the upgrade on ${dialect}`, { skip }, () => {
    test('the old entries stay v1, one ledger.leaf_format entry marks the change, and it all verifies', async () => {
      const l = await upgradedLedger(dialect);
      try {
        assert.equal((await l.ledger.entry(0)).leafVersion, 1);
        assert.equal((await l.ledger.entry(0)).header, null);
        const marker = await l.ledger.entry(V1_ENTRIES);
        assert.equal(marker.leafVersion, 3);
        assert.equal(marker.entry?.type, 'ledger.leaf_format');
        assert.equal((await l.ledger.entry(V1_ENTRIES + 1)).entry?.type, 'customer.viewed');
        assert.deepEqual((await l.verify()).problems, []);
      } finally {
        await l.cleanup();
      }
    });

    test('a v1 entry emptied by hand is refused; emptied by retention it is accepted', async () => {
      const l = await upgradedLedger(dialect);
      try {
        await l.handle.db
          .updateTable('ledger_entries')
          .set({ entry: null, redacted_at: Date.now() })
          .where('idx', '=', 5)
          .execute();
        const report = await l.verify();
        assert.equal(report.problems[0]?.index, 5);
        assert.match(report.problems[0]?.problem as string, /no ledger.retention_applied entry after it/);
        const redacted = await l.ledger.applyRetention(actor, MIN_RETENTION_MS);
        assert.equal(redacted, V1_ENTRIES - 1);
        await l.ledger.checkpointNow();
        assert.deepEqual((await l.verify()).problems, []);
      } finally {
        await l.cleanup();
      }
    });

    test('v2 entries relabelled v1 and emptied, to be taken on the tree’s word, are refused', async () => {
      const l = await upgradedLedger(dialect);
      try {
        await l.ledger.applyRetention(actor, MIN_RETENTION_MS);
        // Relabel the marker and the entry after it: the first v2 entry is then not the marker.
        await l.handle.db
          .updateTable('ledger_entries')
          .set({ entry: null, redacted_at: Date.now(), leaf_version: 1, at: 0 })
          .where('idx', 'in', [V1_ENTRIES, V1_ENTRIES + 1])
          .execute();
        const report = await l.verify();
        assert.equal(report.problems[0]?.index, V1_ENTRIES + 2);
        assert.match(report.problems[0]?.problem as string, /must be ledger.leaf_format/);
      } finally {
        await l.cleanup();
      }
    });

    test('a v2 entry relabelled v1 after the marker is refused at its index', async () => {
      const l = await upgradedLedger(dialect);
      try {
        await l.ledger.applyRetention(actor, MIN_RETENTION_MS);
        await l.handle.db
          .updateTable('ledger_entries')
          .set({ entry: null, redacted_at: Date.now(), leaf_version: 1, at: 0 })
          .where('idx', '=', V1_ENTRIES + 5)
          .execute();
        const report = await l.verify();
        assert.equal(report.problems[0]?.index, V1_ENTRIES + 5);
        assert.match(report.problems[0]?.problem as string, /v1 leaf format after v3/);
      } finally {
        await l.cleanup();
      }
    });
  });
}
