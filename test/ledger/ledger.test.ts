/**
 * The ledger on both dialects: group-committed appends, signed checkpoints, proofs that verify, a restart
 * that resumes the same tree, two writers on one database, retention.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Custos, createCustos } from '../../src/app.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import { decodeEntry, encodeEntry } from '../../src/ledger/entry-encoding.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { payloadHashOf } from '../../src/ledger/entry-leaf.ts';
import { leafHash } from '../../src/ledger/merkle-hash.ts';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/proof-verification.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const actor = 'api-token:test';

for (const { dialect, skip } of await dialects()) {
  describe(`ledger on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    const clock = manualClock(Date.UTC(2026, 10, 23));
    before(async () => {
      t = await testCustos(dialect, { clock });
    });
    after(async () => t?.cleanup());

    const open = (note: string) => {
      const opened = openCheckpoint(note, [verifierFromKey(t.custos.ledger.vkey)], t.custos.ledger.origin);
      assert.ok(opened.ok, 'checkpoint signature verifies');
      return opened.checkpoint;
    };

    test('concurrent appends get consecutive indexes, durably, in one tree', async () => {
      const base = t.custos.ledger.size();
      const indexes = await Promise.all(
        Array.from({ length: 700 }, (_, i) =>
          t.custos.ledger.append({
            type: 'customer.viewed',
            actor,
            subject: `c${i}`,
            data: { customerId: `c${i}` },
          }),
        ),
      );
      assert.deepEqual(
        [...indexes].sort((a, b) => a - b),
        Array.from({ length: 700 }, (_, i) => base + i),
      );
      const stored = await t.custos.ledger.entry(indexes[5] as number);
      assert.deepEqual(stored.entry?.data, { customerId: 'c5' });
      assert.equal(stored.entry?.at, clock.now());
    });

    test('a signed checkpoint commits to the tree; inclusion proofs verify against it', async () => {
      const row = await t.custos.ledger.checkpointNow();
      assert.ok(row);
      const checkpoint = open(row.note);
      assert.equal(checkpoint.size, t.custos.ledger.size());
      for (const index of [0, 1, 255, 256, 511, checkpoint.size - 1]) {
        const stored = await t.custos.ledger.entry(index);
        // A v3 leaf hashes the header: time, type, actor, subject, the chain link to the subject's previous
        // entry, and the SHA-256 of the canonical payload.
        assert.equal(stored.leafVersion, 3);
        const header = Buffer.from(stored.header as string, 'base64');
        const leaf = leafHash(header);
        assert.equal(stored.leafHash, leaf.toString('base64'));
        const fields = JSON.parse(header.toString('utf8')) as Record<string, unknown>;
        assert.deepEqual(
          { ...fields, payload: undefined },
          {
            v: 3,
            at: stored.entry?.at,
            type: stored.entry?.type,
            actor: stored.entry?.actor,
            // An entry about no one (the first API token's, say) has no subject in its header either.
            ...(stored.entry?.subject === undefined ? {} : { subject: stored.entry.subject }),
            ...(stored.entry?.prev === undefined ? {} : { prev: stored.entry.prev }),
            payload: undefined,
          },
        );
        assert.equal(fields.payload, payloadHashOf(stored.entry?.data).toString('base64'));
        const proof = await t.custos.ledger.inclusionProof(index, checkpoint.size);
        assert.ok(
          verifyInclusion(index, checkpoint.size, leaf, proof, checkpoint.rootHash),
          `index ${index}`,
        );
        const wrong = Buffer.from(leaf);
        wrong[0] = (wrong[0] as number) ^ 1;
        assert.ok(!verifyInclusion(index, checkpoint.size, wrong, proof, checkpoint.rootHash));
      }
      await assert.rejects(t.custos.ledger.inclusionProof(checkpoint.size, checkpoint.size), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
    });

    test('consistency proofs link successive checkpoints', async () => {
      const first = open((await t.custos.ledger.latestCheckpoint()) as string);
      for (let i = 0; i < 300; i++) {
        await t.custos.ledger.append({ type: 'customer.viewed', actor, data: { customerId: `d${i}` } });
      }
      const second = open(((await t.custos.ledger.checkpointNow()) as { note: string }).note);
      assert.equal(second.size, first.size + 300);
      const proof = await t.custos.ledger.consistencyProof(first.size, second.size);
      assert.ok(verifyConsistency(first.size, second.size, proof, first.rootHash, second.rootHash));
      assert.ok(!verifyConsistency(first.size, second.size, proof, second.rootHash, first.rootHash));
    });

    test('a restarted Custos resumes the same tree, and a second writer on the database keeps it whole', async () => {
      const other: Custos = await createCustos(t.config, {
        clock,
        logger: createLogger('silent'),
        database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
      });
      try {
        assert.equal(other.ledger.size(), t.custos.ledger.size());
        // Interleave appends from both "processes". (On SQLite one after the other: two connections in one
        // thread cannot wait for each other's write lock; separate processes can, see the crash test.)
        for (let i = 0; i < 20; i++) {
          const a = t.custos.ledger.append({ type: 'customer.viewed', actor, data: { customerId: `x${i}` } });
          if (dialect === 'sqlite') await a;
          const b = other.ledger.append({
            type: 'customer.viewed',
            actor: 'system:other',
            data: { customerId: `y${i}` },
          });
          await Promise.all([a, b]);
        }
        const fromOther = open(((await other.ledger.checkpointNow()) as { note: string }).note);
        const fromFirst = open(((await t.custos.ledger.checkpointNow()) as { note: string }).note);
        assert.ok(fromFirst.size >= fromOther.size);
        const proof = await t.custos.ledger.consistencyProof(fromOther.size, fromFirst.size);
        assert.ok(
          verifyConsistency(fromOther.size, fromFirst.size, proof, fromOther.rootHash, fromFirst.rootHash),
        );
        const report = await verifyLedger({
          store: t.custos.ledgerStore,
          verifier: verifierFromKey(t.custos.ledger.vkey),
          origin: t.custos.ledger.origin,
        });
        assert.deepEqual(report.problems, []);
        assert.ok(report.verifiedCheckpoints.length >= 3);
      } finally {
        await other.close();
      }
    });

    test('retention redacts old payloads but keeps proofs and verification; never below six months', async () => {
      const old = await t.custos.ledger.entry(3);
      await assert.rejects(t.custos.ledger.applyRetention(actor, 100 * 24 * 3600 * 1000), (e) =>
        isCustosError(e, 'VALIDATION_FAILED'),
      );
      clock.advance(200 * 24 * 3600 * 1000);
      const redacted = await t.custos.ledger.applyRetention(actor, 183 * 24 * 3600 * 1000);
      assert.ok(redacted >= 1000);
      const after = await t.custos.ledger.entry(3);
      assert.equal(after.entry, null);
      assert.equal(after.leafHash, old.leafHash);
      assert.equal(after.header, old.header, 'the header outlives the payload');
      const checkpoint = open(((await t.custos.ledger.checkpointNow()) as { note: string }).note);
      const proof = await t.custos.ledger.inclusionProof(3, checkpoint.size);
      assert.ok(
        verifyInclusion(3, checkpoint.size, Buffer.from(old.leafHash, 'base64'), proof, checkpoint.rootHash),
      );
      const report = await verifyLedger({
        store: t.custos.ledgerStore,
        verifier: verifierFromKey(t.custos.ledger.vkey),
        origin: t.custos.ledger.origin,
      });
      assert.deepEqual(report.problems, []);
      const last = await t.custos.ledger.entry(checkpoint.size - 1);
      assert.equal(last.entry?.type, 'ledger.retention_applied');
    });

    test('entries are canonical: same content, same bytes, whatever the key order', () => {
      const a = encodeEntry({ v: 1, at: 1, type: 'customer.viewed', actor: 'a', data: { customerId: 'c' } });
      const b = encodeEntry({ data: { customerId: 'c' }, actor: 'a', type: 'customer.viewed', at: 1, v: 1 });
      assert.deepEqual(a, b);
      assert.equal(decodeEntry(a).type, 'customer.viewed');
      assert.throws(() =>
        encodeEntry({ v: 1, at: 1.5, type: 'customer.viewed', actor: 'a', data: { customerId: 'c' } }),
      );
    });
  });
}
