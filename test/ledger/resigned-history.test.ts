/**
 * Issue 13, finding 2: someone holding the ledger's signing key rewrites an entry, rebuilds the tree and
 * re-signs every stored checkpoint. A real witness refuses the forged history (its fork at the witnessed
 * size, and the next checkpoint built on it) and keeps the evidence; `verify` given checkpoints kept outside
 * the database names the misuse with both notes and a non-empty range, narrowed by the checkpoints given.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { createCustos } from '../../src/app.ts';
import { signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { sealEntry } from '../../src/ledger/entry-leaf.ts';
import { createSubjectIndex } from '../../src/ledger/subject-index.ts';
import { mapExtension } from '../../src/ledger/subject-map.ts';
import type { LedgerEntry } from '../../src/ledger/entry-types.ts';
import { createLedgerKeyFile, verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { parseSignerKey } from '../../src/ledger/note-keys.ts';
import { appendLeaves, packHashes, stateRoot, unpackHashes } from '../../src/ledger/tree-state.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { parseCosignerKey } from '../../src/ledger/witness/cosignature.ts';
import { requestCosignature } from '../../src/ledger/witness/witness-client.ts';
import { runWitness } from '../../src/ledger/witness/run-witness.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;
const origin = 'custos.test/ledger';
const FORGED = 150;

/** What the key holder does: entry FORGED rewritten, every tile rebuilt, every checkpoint re-signed. */
async function rewriteAndResign(t: TestCustos, keyFile: string): Promise<string> {
  const { ledgerStore: store, database } = t.custos;
  const size = await store.size();
  const row = await store.entry(FORGED);
  const forged = sealEntry(
    JSON.parse((row?.entry as Buffer).toString('utf8').replaceAll(`"c${FORGED}"`, '"zz"')) as LedgerEntry,
  );
  const leaves: Buffer[] = [];
  for (let i = 0; i * 256 < size; i++)
    leaves.push(...unpackHashes((await store.tile(0, i))?.hashes as Buffer));
  leaves[FORGED] = forged.leaf;
  const { state, tiles } = appendLeaves({ size: 0, edge: [], rightTiles: [] }, leaves.slice(0, size));
  const db = database.db;
  await db
    .updateTable('ledger_entries')
    .set({ entry: forged.bytes, subject: 'zz', payload_hash: forged.payloadHash })
    .where('idx', '=', FORGED)
    .execute();
  await sql`delete from ledger_tiles`.execute(db);
  for (const tile of tiles) {
    await db
      .insertInto('ledger_tiles')
      .values({ level: tile.level, idx: tile.index, hashes: packHashes(tile.hashes) })
      .execute();
  }
  // The stolen key file, used as it is.
  const signer = parseSignerKey(readFileSync(keyFile, 'utf8').trim());
  assert.ok(signer);
  const stored = await store.checkpoints();
  await sql`delete from ledger_checkpoints`.execute(db);
  // The subject map of the rewritten history too, so that on its own it is consistent.
  const rows = await store.entriesFrom(0, size);
  const subjects = createSubjectIndex({ map: true });
  let mapped = 0;
  let forgedNote = '';
  for (const c of stored) {
    const { state: prefix } = appendLeaves({ size: 0, edge: [], rightTiles: [] }, leaves.slice(0, c.size));
    const root = stateRoot(prefix);
    subjects.committed(rows.slice(mapped, c.size).map((r) => ({ index: r.index, subject: r.subject })));
    mapped = c.size;
    const extensions = [mapExtension(subjects.rootFor(c.size))];
    const note = signCheckpoint({ origin, size: c.size, rootHash: root, extensions }, [signer]);
    await store.insertCheckpoint({ size: c.size, root, note, createdAt: Date.now() });
    if (c.size === size) forgedNote = note;
  }
  assert.ok(stateRoot(state).length === 32 && forgedNote !== '');
  return forgedNote;
}

for (const { dialect, skip } of await dialects()) {
  describe(`history re-signed with the ledger key on ${dialect}`, { skip }, () => {
    test('the witness refuses it; verify names the key misuse with both notes and the range', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'custos-resign-'));
      const keyFile = join(dir, 'keys', 'ledger.key');
      mkdirSync(join(dir, 'keys'), { mode: 0o700 });
      createLedgerKeyFile(keyFile, origin);
      const logVkey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
      const witnessDir = join(dir, 'witness');
      const witness = await runWitness({ dataDir: witnessDir, logs: [{ origin, vkey: logVkey }] });
      const env = {
        CUSTOS_LEDGER_ORIGIN: origin,
        CUSTOS_LEDGER_KEY_FILE: keyFile,
        CUSTOS_WITNESSES: `${witness.address} ${witness.vkey}`,
      };
      const t = await testCustos(dialect, { env });
      try {
        const append = (from: number, n: number) =>
          Promise.all(
            Array.from({ length: n }, (_, i) =>
              t.custos.ledger.append({
                type: 'customer.viewed',
                actor: 'api-token:t',
                subject: `c${from + i}`,
                data: { customerId: `c${from + i}` },
              }),
            ),
          );
        // Entries are appended at initialisation too: pad so that FORGED is a customer.viewed entry.
        await append(t.custos.ledger.size(), 120 - t.custos.ledger.size());
        const early = ((await t.custos.ledger.checkpointNow()) as { note: string }).note;
        await append(120, 180);
        const witnessed = ((await t.custos.ledger.checkpointNow()) as { note: string }).note;
        const size = t.custos.ledger.size();
        assert.equal(size, 300);

        const forgedNote = await rewriteAndResign(t, keyFile);
        const verify = (earlier: string[]) =>
          verifyLedger({
            store: t.custos.ledgerStore,
            verifier: verifierFromKey(t.custos.ledger.vkey),
            origin,
            earlier,
          });
        assert.deepEqual((await verify([])).problems, [], 'on its own the re-signed history is consistent');

        // The witness: the forged checkpoint of the size it cosigned is a fork, refused with 409.
        const cosigner = parseCosignerKey(witness.vkey);
        assert.ok(cosigner);
        const fork = await requestCosignature({
          url: witness.address,
          oldSize: size,
          proof: [],
          signedNote: forgedNote,
          witness: cosigner,
        });
        assert.equal(fork.ok, false);
        assert.equal(fork.ok ? 0 : fork.status, 409);
        // A Custos started on the forged storage cannot get its next checkpoint witnessed: the proof from
        // the witnessed size does not hold (422), so nothing new is published.
        const restarted = await createCustos(t.config, {
          logger: createLogger('silent'),
          database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
        });
        try {
          await restarted.ledger.append({
            type: 'customer.viewed',
            actor: 'api-token:t',
            data: { customerId: 'n' },
          });
          await assert.rejects(restarted.ledger.checkpointNow(), (e) =>
            isCustosError(e, 'LEDGER_UNAVAILABLE'),
          );
          assert.equal(await restarted.ledger.latestCheckpoint(), forgedNote);
        } finally {
          await restarted.close();
        }
        const evidence = readdirSync(join(witnessDir, 'evidence'));
        assert.ok(
          evidence.some((f) => f.includes('-fork-')),
          `fork evidence kept: ${evidence.join(', ')}`,
        );
        assert.ok(
          evidence.some((f) => f.includes('-bad_proof-')),
          `bad-proof evidence kept: ${evidence.join(', ')}`,
        );

        // verify, given the witnessed checkpoint: key misuse, both notes, a range that is not empty.
        const one = await verify([witnessed]);
        assert.equal(one.ok, false);
        assert.equal(one.conflicts.length, 1);
        assert.equal(one.conflicts[0]?.size, size);
        assert.deepEqual([...(one.conflicts[0]?.notes ?? [])].sort(), [forgedNote, witnessed].sort());
        const misuse = one.problems.find((p) => /key misuse/.test(p.problem));
        assert.ok(misuse);
        const range = one.problems.find((p) => /rewritten/.test(p.problem));
        assert.match(range?.problem as string, /\[0, 300\)/);
        // Given an earlier saved checkpoint too, the range narrows to between the two.
        const two = await verify([early, witnessed]);
        const narrowed = two.problems.find((p) => /rewritten/.test(p.problem));
        assert.match(narrowed?.problem as string, /\[120, 300\)/);
        assert.ok(120 <= FORGED && FORGED < 300);

        if (dialect === 'sqlite') {
          const files = [join(dir, 'early.checkpoint'), join(dir, 'witnessed.checkpoint')];
          writeFileSync(files[0] as string, early);
          writeFileSync(files[1] as string, witnessed);
          const cli = await run(
            process.execPath,
            [bin, 'verify', '--checkpoint', files[0] as string, '--checkpoint', files[1] as string],
            {
              env: {
                ...process.env,
                ...env,
                CUSTOS_WITNESSES: '',
                CUSTOS_DATA_DIR: t.config.dataDir,
                CUSTOS_DATABASE_URL: t.config.databaseUrl,
                CUSTOS_DEMO: 'false',
              },
            },
          ).catch((e: { code: number; stdout: string }) => e);
          assert.equal((cli as { code?: number }).code, 1);
          assert.match(cli.stdout, /KEY MISUSE: two checkpoints of size 300/);
          assert.ok(cli.stdout.includes(forgedNote) && cli.stdout.includes(witnessed), 'both notes printed');
          assert.match(cli.stdout, /\[120, 300\)/);
        }
      } finally {
        await t.cleanup();
        await witness.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
