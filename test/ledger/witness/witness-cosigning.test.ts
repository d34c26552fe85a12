/**
 * The log's publishing rule against real witnesses: a checkpoint comes back cosigned by a quorum, a witness
 * that is behind or new is caught up through its 409, and a forked or unreachable view is not published.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { type NoteVerifier, parseVerifierKey } from '../../../src/ledger/note-keys.ts';
import { openNote } from '../../../src/ledger/signed-note.ts';
import { parseCosignerKey } from '../../../src/ledger/witness/cosignature.ts';
import { type RunningWitness, runWitness } from '../../../src/ledger/witness/run-witness.ts';
import { createWitnessCosigning } from '../../../src/ledger/witness/witness-cosigning.ts';
import { createMemoryLog, entries } from './memory-log.ts';

const ORIGIN = 'custos.test/ledger';
const clock = manualClock();
const log = createMemoryLog(ORIGIN);
let root: string;
const witnesses: RunningWitness[] = [];

async function startWitness(name: string): Promise<RunningWitness> {
  const witness = await runWitness({
    dataDir: join(root, name),
    name: `witness.custos.test/${name}`,
    clock,
    logs: [{ origin: ORIGIN, vkey: log.vkey }],
  });
  witnesses.push(witness);
  return witness;
}

function cosignedBy(note: string, ...keys: RunningWitness[]): string[] {
  const verifiers = keys.map((w) => parseCosignerKey(w.vkey) as NoteVerifier);
  const opened = openNote(note, [parseVerifierKey(log.vkey) as NoteVerifier, ...verifiers]);
  assert.ok(opened.ok);
  return opened.verified.map((s) => s.name);
}

describe('publishing checkpoints only with witness cosignatures', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'custos-cosigning-'));
  });
  after(async () => {
    await Promise.all(witnesses.map((w) => w.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('cosigns the first checkpoint, then extensions with their proofs', async () => {
    const w1 = await startWitness('w1');
    const cosign = createWitnessCosigning({
      witnesses: [{ url: w1.address, vkey: w1.vkey }],
      consistencyProof: (from, to) => log.proof(from, to),
    });
    log.append(...entries(0, 4));
    const first = await cosign(log.checkpoint(), 4, 0);
    assert.deepEqual(cosignedBy(first, w1), [ORIGIN, 'witness.custos.test/w1']);
    log.append(...entries(4, 9));
    const second = await cosign(log.checkpoint(), 9, 4);
    assert.deepEqual(cosignedBy(second, w1), [ORIGIN, 'witness.custos.test/w1']);
  });

  it('catches up a witness that is new or behind through its 409, and meets a quorum of two', async () => {
    const [w1] = witnesses as [RunningWitness];
    const w2 = await startWitness('w2'); // has never seen the log: answers 409 with size 0
    const cosign = createWitnessCosigning({
      witnesses: [
        { url: w1.address, vkey: w1.vkey },
        { url: w2.address, vkey: w2.vkey },
      ],
      consistencyProof: (from, to) => log.proof(from, to),
      quorum: 2,
    });
    log.append(...entries(9, 13));
    // The log believes both witnesses are at 4 (say its last checkpoint record is stale): w1 says 9, w2 says 0.
    const note = await cosign(log.checkpoint(), 13, 4);
    assert.deepEqual(cosignedBy(note, w1, w2), [ORIGIN, 'witness.custos.test/w1', 'witness.custos.test/w2']);
  });

  it('does not publish a forked checkpoint: the witness refuses it (409) and the hook throws', async () => {
    const [w1] = witnesses as [RunningWitness];
    const forked = log.fork(9, 'forged 9', 'forged 10', 'forged 11', 'forged 12');
    const cosign = createWitnessCosigning({
      witnesses: [{ url: w1.address, vkey: w1.vkey }],
      consistencyProof: (from, to) => forked.proof(from, to),
    });
    await assert.rejects(cosign(forked.checkpoint(), 13, 13), (error) => {
      assert.ok(isCustosError(error, 'LEDGER_UNAVAILABLE'));
      assert.match(error.message, /0 of 1 required witness cosignatures .*conflict/);
      return true;
    });
    forked.append('forged 13');
    await assert.rejects(cosign(forked.checkpoint(), 14, 13), /bad_proof/);
  });

  it('does not publish without a quorum when a witness is unreachable', async () => {
    const [w1, w2] = witnesses as [RunningWitness, RunningWitness];
    await w2.close();
    const both = createWitnessCosigning({
      witnesses: [
        { url: w1.address, vkey: w1.vkey },
        { url: w2.address, vkey: w2.vkey },
      ],
      consistencyProof: (from, to) => log.proof(from, to),
      quorum: 2,
      timeoutMs: 2000,
    });
    log.append(...entries(13, 15));
    await assert.rejects(both(log.checkpoint(), 15, 13), /1 of 2 .*unreachable/);
    const one = createWitnessCosigning({
      witnesses: [
        { url: w1.address, vkey: w1.vkey },
        { url: w2.address, vkey: w2.vkey },
      ],
      consistencyProof: (from, to) => log.proof(from, to),
      timeoutMs: 2000,
    });
    assert.deepEqual(cosignedBy(await one(log.checkpoint(), 15, 13), w1), [ORIGIN, 'witness.custos.test/w1']);
  });

  it('rejects a cosignature that does not verify under the configured witness key', async () => {
    const [w1] = witnesses as [RunningWitness];
    const w3 = await startWitness('w3');
    const cosign = createWitnessCosigning({
      witnesses: [{ url: w1.address, vkey: w3.vkey }], // w1 answers, but the log expects w3's key
      consistencyProof: (from, to) => log.proof(from, to),
    });
    log.append('entry 15');
    await assert.rejects(cosign(log.checkpoint(), 16, 15), /bad_cosignature/);
  });

  it('refuses an impossible configuration at once', () => {
    const proof = (from: number, to: number) => log.proof(from, to);
    assert.throws(
      () =>
        createWitnessCosigning({
          witnesses: [{ url: 'http://127.0.0.1:1', vkey: log.vkey }],
          consistencyProof: proof,
        }),
      (e) => isCustosError(e, 'CONFIG_INVALID'),
      'a log (0x01) key is not a witness key',
    );
    const [w1] = witnesses as [RunningWitness];
    assert.throws(
      () =>
        createWitnessCosigning({
          witnesses: [{ url: w1.address, vkey: w1.vkey }],
          consistencyProof: proof,
          quorum: 2,
        }),
      (e) => isCustosError(e, 'CONFIG_INVALID'),
    );
  });
});
