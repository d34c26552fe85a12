/**
 * The witness end to end: a real in-memory log, the real witness process (`runWitness`) on 127.0.0.1, and
 * the log's client over HTTP. The steps run in order and build on one another's state.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manualClock } from '../../../src/platform/clock.ts';
import { signCheckpoint } from '../../../src/ledger/checkpoint.ts';
import {
  generateNoteKeys,
  type NoteSigner,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '../../../src/ledger/note-keys.ts';
import { openNote, parseNote } from '../../../src/ledger/signed-note.ts';
import { formatAddCheckpointRequest } from '../../../src/ledger/witness/add-checkpoint-request.ts';
import {
  addCosignatures,
  cosignatureTimestamp,
  parseCosignerKey,
} from '../../../src/ledger/witness/cosignature.ts';
import { type RunningWitness, runWitness } from '../../../src/ledger/witness/run-witness.ts';
import { requestCosignature } from '../../../src/ledger/witness/witness-client.ts';
import { createMemoryLog, entries, type MemoryLog } from './memory-log.ts';

const clock = manualClock(Date.UTC(2026, 10, 23, 9, 30));
const ORIGIN = 'custos.test/ledger';
const SECOND = 'custos.test/second';
const EXAMPLE_ORIGIN = 'example.com/behind-the-sofa';

let dataDir: string;
let witness: RunningWitness;
let witnessKey: NoteVerifier;
const log = createMemoryLog(ORIGIN).append(...entries(0, 5));
const second = createMemoryLog(SECOND);

async function start(): Promise<RunningWitness> {
  return runWitness({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    clock,
    name: 'witness.custos.test/w1',
    logs: [
      { origin: ORIGIN, vkey: log.vkey },
      { origin: SECOND, vkey: [second.vkey] },
      { origin: EXAMPLE_ORIGIN, vkey: generateNoteKeys(EXAMPLE_ORIGIN).verifierKey },
    ],
  });
}

/** Sends an add-checkpoint request from `from` (proof computed by `source`) to the checkpoint of `source`. */
async function submit(source: MemoryLog, from: number, proof?: Buffer[]) {
  const size = source.size();
  return requestCosignature({
    url: witness.address,
    oldSize: from,
    proof: proof ?? (from === 0 || from === size ? [] : await source.proof(from, size)),
    signedNote: source.checkpoint(),
    witness: witnessKey,
  });
}

async function post(body: string | Uint8Array): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(`${witness.address}/add-checkpoint`, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

async function evidenceFiles(): Promise<string[]> {
  return readdir(join(dataDir, 'evidence')).catch(() => []);
}

describe('custos witness over HTTP', () => {
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'custos-witness-'));
    witness = await start();
    witnessKey = parseCosignerKey(witness.vkey) as NoteVerifier;
    assert.ok(witnessKey, 'the witness serves a cosigner vkey');
  });
  after(async () => {
    await witness.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves its vkey and keeps its key file private', async () => {
    const response = await fetch(`${witness.address}/vkey`);
    assert.equal(await response.text(), `${witness.vkey}\n`);
    assert.equal((await stat(join(dataDir, 'witness.key'))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dataDir, 'witness.vkey'), 'utf8'), `${witness.vkey}\n`);
  });

  it('accepts the first checkpoint of a log on trust (old 0, no proof)', async () => {
    const answer = await submit(log, 0);
    assert.ok(answer.ok, JSON.stringify(answer));
    assert.equal(answer.cosignatures.length, 1);
    assert.equal(
      cosignatureTimestamp(answer.cosignatures[0]?.signature ?? Buffer.alloc(0)),
      BigInt(clock.now() / 1000),
    );
  });

  it('accepts a consistent extension with its proof; the cosignature verifies with the witness vkey', async () => {
    clock.advance(60_000);
    log.append(...entries(5, 8));
    const answer = await submit(log, 5);
    assert.ok(answer.ok, JSON.stringify(answer));
    const cosigned = addCosignatures(log.checkpoint(), answer.cosignatures);
    const opened = openNote(cosigned, [parseVerifierKey(log.vkey) as NoteVerifier, witnessKey]);
    assert.ok(opened.ok);
    assert.equal(opened.verified.length, 2);
    // An independent check with only the witness key, as a relying party would.
    assert.ok(openNote(cosigned, [witnessKey]).ok);
  });

  it('answers a stale old size with 409 and its size as text/x.tlog.size', async () => {
    log.append(...entries(8, 10));
    const answer = await submit(log, 5);
    assert.deepEqual(answer, { ok: false, reason: 'conflict', status: 409, witnessSize: 8 });
    const raw = await post(
      formatAddCheckpointRequest({
        oldSize: 5,
        proof: await log.proof(5, 10),
        signedCheckpoint: log.checkpoint(),
      }),
    );
    assert.equal(raw.status, 409);
    assert.equal(raw.type, 'text/x.tlog.size');
    assert.equal(raw.text, '8\n');
  });

  it('refuses a forked log presenting its view of the witnessed size with 409, and keeps the evidence', async () => {
    // Same first five entries, then different ones: an insider with the log key rewrote entries 5..7.
    const forked = log.fork(5, 'forged 5', 'forged 6', 'forged 7');
    assert.equal(forked.size(), 8);
    assert.notDeepEqual(forked.rootHash(), log.rootHash(8));
    const answer = await submit(forked, 8);
    assert.deepEqual(answer, { ok: false, reason: 'conflict', status: 409, witnessSize: 8 });
    const raw = await post(
      formatAddCheckpointRequest({ oldSize: 8, proof: [], signedCheckpoint: forked.checkpoint() }),
    );
    assert.equal(raw.status, 409);
    assert.equal(raw.text, '8\n');
    // The fork believes the witness is where it forked (5): also 409, the witness is at 8.
    const fromFork = await submit(forked, 5);
    assert.deepEqual(fromFork, { ok: false, reason: 'conflict', status: 409, witnessSize: 8 });
    const files = (await evidenceFiles()).filter((f) => f.includes('-fork-'));
    assert.equal(files.length, 2);
    const evidence = JSON.parse(await readFile(join(dataDir, 'evidence', files[0] as string), 'utf8'));
    assert.equal(evidence.presented, forked.checkpoint());
    assert.equal(parseNote(evidence.cosigned)?.text, parseNote(log.checkpoint(8))?.text);
    assert.equal((await stat(join(dataDir, 'evidence', files[0] as string))).mode & 0o777, 0o600);
  });

  it('refuses a fork that grew past the witnessed size: its proof cannot verify (422)', async () => {
    const forked = log.fork(5, 'forged 5', 'forged 6', 'forged 7', 'forged 8', 'forged 9', 'forged 10');
    const answer = await submit(forked, 8);
    assert.equal(answer.ok, false);
    assert.equal(!answer.ok && answer.status, 422);
    assert.equal(!answer.ok && answer.reason, 'bad_proof');
    assert.ok((await evidenceFiles()).some((f) => f.includes('-bad_proof-')));
  });

  it('refuses a wrong, short or missing consistency proof with 422', async () => {
    const good = await log.proof(8, 10);
    const flipped = good.map((h, i) => (i === 0 ? Buffer.from(h.map((b, j) => (j === 0 ? b ^ 1 : b))) : h));
    for (const proof of [flipped, good.slice(1), [], [...good, good[0] as Buffer]]) {
      const answer = await submit(log, 8, proof);
      assert.equal(!answer.ok && answer.status, 422, `proof of ${proof.length}`);
    }
  });

  it('refuses a non-empty proof for the witnessed tree itself (422), and re-cosigns that tree without one', async () => {
    const eight = createMemoryLog(ORIGIN, { signerKey: log.signerKey, verifierKey: log.vkey }).append(
      ...entries(0, 8),
    );
    const withProof = await submit(eight, 8, [Buffer.alloc(32)]);
    assert.equal(!withProof.ok && withProof.status, 422);
    const again = await submit(eight, 8);
    assert.ok(again.ok);
  });

  it('refuses the witnessed tree under other extension lines (a second subject map) with 409', async () => {
    // Same size, same root, signed by the log's key, but another `subject-map/v1` line: a second view of
    // that size, which could hide a customer's newest entries from them.
    const note = signCheckpoint(
      {
        origin: ORIGIN,
        size: 8,
        rootHash: log.rootHash(8),
        extensions: [`subject-map/v1 ${Buffer.alloc(32, 7).toString('base64')}`],
      },
      [parseSignerKey(log.signerKey) as NoteSigner],
    );
    const answer = await requestCosignature({
      url: witness.address,
      oldSize: 8,
      proof: [],
      signedNote: note,
      witness: witnessKey,
    });
    assert.deepEqual(answer, { ok: false, reason: 'conflict', status: 409, witnessSize: 8 });
  });

  it('still accepts the honest log afterwards', async () => {
    const answer = await submit(log, 8);
    assert.ok(answer.ok, JSON.stringify(answer));
  });

  it('refuses an old size above the checkpoint size with 400', async () => {
    const raw = await post(
      formatAddCheckpointRequest({ oldSize: 11, proof: [], signedCheckpoint: log.checkpoint() }),
    );
    assert.equal(raw.status, 400);
    const answer = await requestCosignature({
      url: witness.address,
      oldSize: 11,
      proof: [],
      signedNote: log.checkpoint(),
    });
    assert.equal(!answer.ok && answer.reason, 'bad_request');
  });

  it('refuses malformed bodies with 400', async () => {
    for (const body of ['', 'old 10\n', 'old 10\n\nnot a note\n', `old x\n\n${log.checkpoint()}`]) {
      assert.equal((await post(body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await post(Buffer.from([0xff, 0x0a, 0x0a]))).status, 400);
    assert.equal((await post('x'.repeat(70 * 1024))).status, 413);
  });

  it('reads the body whatever its media type, or none', async () => {
    const stranger = createMemoryLog('stranger.test/log').append(...entries(0, 1));
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      signedCheckpoint: stranger.checkpoint(),
    });
    for (const headers of [
      {},
      { 'content-type': 'application/octet-stream' },
      { 'content-type': 'text/plain' },
    ]) {
      const status = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          `${witness.address}/add-checkpoint`,
          { method: 'POST', headers },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      assert.equal(status, 404, JSON.stringify(headers)); // parsed far enough to find the origin unknown
    }
  });

  it('refuses an unknown origin with 404', async () => {
    const stranger = createMemoryLog('stranger.test/log').append(...entries(0, 3));
    const answer = await submit(stranger, 0);
    assert.equal(!answer.ok && answer.status, 404);
    assert.equal(!answer.ok && answer.reason, 'unknown_origin');
  });

  it('refuses a checkpoint without a valid signature by a trusted log key with 403', async () => {
    // Same origin and key name, another key: its signature is from an unknown key, so none is trusted.
    const impostor = createMemoryLog(ORIGIN).append(...entries(0, 12));
    const untrusted = await submit(impostor, 10);
    assert.equal(!untrusted.ok && untrusted.status, 403);
    // The trusted key's signature line, altered: a failed signature from a known key.
    log.append(...entries(10, 12));
    const note = log.checkpoint();
    const line = note.slice(note.lastIndexOf('— '));
    const bytes = Buffer.from(line.slice(line.lastIndexOf(' ') + 1).trim(), 'base64');
    bytes[10] = (bytes[10] as number) ^ 1;
    const tampered = note.replace(
      line,
      `${line.slice(0, line.lastIndexOf(' ') + 1)}${bytes.toString('base64')}\n`,
    );
    const raw = await post(
      formatAddCheckpointRequest({ oldSize: 10, proof: await log.proof(10, 12), signedCheckpoint: tampered }),
    );
    assert.equal(raw.status, 403);
    // A checkpoint body altered under a valid signature.
    const altered = note.replace('\n12\n', '\n13\n');
    assert.equal(
      (await post(formatAddCheckpointRequest({ oldSize: 10, proof: [], signedCheckpoint: altered }))).status,
      403,
    );
  });

  it('refuses the tlog-witness example request: its signatures are by keys it does not trust (403)', async () => {
    const vectors = JSON.parse(
      readFileSync(new URL('../../../../shared/vectors/tlog_tiles.json', import.meta.url), 'utf8'),
    ) as { witness_add_checkpoint_example_request_body: string };
    const raw = await post(vectors.witness_add_checkpoint_example_request_body);
    assert.equal(raw.status, 403);
  });

  it('refuses a proof from old size 0 and a size-0 checkpoint without the empty root (422)', async () => {
    second.append(...entries(0, 2));
    const withProof = await submit(second, 0, [Buffer.alloc(32)]);
    assert.equal(!withProof.ok && withProof.status, 422);
    const signed = signCheckpoint(
      { origin: SECOND, size: 0, rootHash: Buffer.alloc(32, 1), extensions: [] },
      [parseSignerKey(second.signerKey) as NoteSigner],
    );
    const raw = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], signedCheckpoint: signed }));
    assert.equal(raw.status, 422);
  });

  it('lets exactly one of several concurrent requests from the same old size through', async () => {
    const first = await submit(second, 0);
    assert.ok(first.ok);
    const requests = [];
    for (let size = 3; size <= 10; size++) {
      const view = createMemoryLog(SECOND, { signerKey: second.signerKey, verifierKey: second.vkey }).append(
        ...entries(0, size),
      );
      requests.push(submit(view, 2));
    }
    const answers = await Promise.all(requests);
    assert.equal(answers.filter((a) => a.ok).length, 1, JSON.stringify(answers));
    const conflicts = answers.filter((a) => !a.ok && a.reason === 'conflict');
    assert.equal(conflicts.length, answers.length - 1);
    const winner = answers.findIndex((a) => a.ok) + 3;
    for (const conflict of conflicts)
      assert.equal(!conflict.ok && 'witnessSize' in conflict && conflict.witnessSize, winner);
  });

  it('keeps its state and key across a restart; the state file is mode 0600', async () => {
    const vkey = witness.vkey;
    await witness.close();
    witness = await start();
    assert.equal(witness.vkey, vkey, 'same key after restart');
    assert.equal((await stat(join(dataDir, 'state.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'witness.key'))).mode & 0o777, 0o600);
    const fresh = await submit(log, 0);
    assert.deepEqual(fresh, { ok: false, reason: 'conflict', status: 409, witnessSize: 10 });
    const resumed = await submit(log, 10);
    assert.ok(resumed.ok, JSON.stringify(resumed));
    const state = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8'));
    assert.equal(state.logs[ORIGIN].size, 12);
    assert.ok(openNote(state.logs[ORIGIN].note, [witnessKey]).ok, 'the stored note carries the cosignature');
  });
});
