import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { manualClock } from '../../../src/platform/clock.ts';
import { isCustosError } from '../../../src/platform/errors.ts';
import { parseNote } from '../../../src/ledger/signed-note.ts';
import { loadOrCreateWitnessKey } from '../../../src/ledger/witness/witness-keys.ts';
import { openWitnessState } from '../../../src/ledger/witness/witness-state.ts';
import { runWitness } from '../../../src/ledger/witness/run-witness.ts';
import { createMemoryLog, entries } from './memory-log.ts';

const clock = manualClock();
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'custos-witness-state-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function cosigned(origin: string, size: number) {
  const log = createMemoryLog(origin).append(...entries(0, size));
  return { size, rootHash: log.rootHash(), note: log.checkpoint() };
}

test('a new witness has no state; recorded checkpoints survive reopening, in a 0600 file', async () => {
  const state = await openWitnessState(dataDir);
  assert.equal(state.latest('custos.test/a'), undefined);
  const a = cosigned('custos.test/a', 3);
  await state.record('custos.test/a', a);
  assert.deepEqual(state.latest('custos.test/a'), a);
  assert.equal((await stat(state.path)).mode & 0o777, 0o600);
  const reopened = await openWitnessState(dataDir);
  assert.deepEqual(reopened.latest('custos.test/a'), a);
  assert.deepEqual(await readdir(dataDir), ['state.json'], 'no temporary file is left behind');
});

test('concurrent records for different origins are all kept (no lost update)', async () => {
  const state = await openWitnessState(dataDir);
  const origins = Array.from({ length: 12 }, (_, i) => `custos.test/log-${i}`);
  await Promise.all(origins.map((origin, i) => state.record(origin, cosigned(origin, i + 1))));
  const reopened = await openWitnessState(dataDir);
  for (const [i, origin] of origins.entries()) assert.equal(reopened.latest(origin)?.size, i + 1);
});

test('an origin named like an object property is stored as data', async () => {
  const state = await openWitnessState(dataDir);
  await state.record('__proto__', cosigned('__proto__', 2));
  const reopened = await openWitnessState(dataDir);
  assert.equal(reopened.latest('__proto__')?.size, 2);
});

test('a failed write leaves memory as it was', async () => {
  const state = await openWitnessState(dataDir);
  await state.record('custos.test/a', cosigned('custos.test/a', 1));
  // A directory where the file should be: the rename fails (even for root, unlike a permission trick).
  await rm(state.path);
  await mkdir(join(state.path, 'blocker'), { recursive: true });
  await assert.rejects(state.record('custos.test/a', cosigned('custos.test/a', 2)));
  await rm(state.path, { recursive: true });
  assert.equal(state.latest('custos.test/a')?.size, 1);
  await state.record('custos.test/a', cosigned('custos.test/a', 3));
  assert.equal((await openWitnessState(dataDir)).latest('custos.test/a')?.size, 3);
});

test('a state file that does not check out stops the witness instead of being forgotten', async () => {
  const good = cosigned('custos.test/a', 4);
  const path = join(dataDir, 'state.json');
  const record = { size: 4, root: good.rootHash.toString('base64'), note: good.note };
  const bad = [
    'not json',
    JSON.stringify({ version: 2, logs: {} }),
    JSON.stringify({ version: 1 }),
    JSON.stringify({ version: 1, logs: { 'custos.test/a': { ...record, size: 5 } } }),
    JSON.stringify({ version: 1, logs: { 'custos.test/b': record } }),
    JSON.stringify({
      version: 1,
      logs: { 'custos.test/a': { ...record, root: Buffer.alloc(32).toString('base64') } },
    }),
    JSON.stringify({ version: 1, logs: { 'custos.test/a': { ...record, note: 'torn' } } }),
  ];
  for (const text of bad) {
    await writeFile(path, text);
    await assert.rejects(openWitnessState(dataDir), (e) => isCustosError(e, 'CONFIG_INVALID'), text);
  }
  await writeFile(path, JSON.stringify({ version: 1, logs: { 'custos.test/a': record } }));
  assert.equal((await openWitnessState(dataDir)).latest('custos.test/a')?.size, 4);
});

test('the witness key is created once, mode 0600, and reused', async () => {
  const first = await loadOrCreateWitnessKey({ dataDir, name: 'witness.custos.test/w1', clock });
  const key = join(dataDir, 'witness.key');
  assert.equal((await stat(key)).mode & 0o777, 0o600);
  assert.match(await readFile(key, 'utf8'), /^PRIVATE\+KEY\+witness\.custos\.test\/w1\+[0-9a-f]{8}\+/);
  const again = await loadOrCreateWitnessKey({ dataDir, clock });
  assert.equal(again.vkey, first.vkey);
  const [one, two] = await Promise.all([
    loadOrCreateWitnessKey({ dataDir: join(dataDir), clock }),
    loadOrCreateWitnessKey({ dataDir, clock }),
  ]);
  assert.equal(one.vkey, two.vkey);
  // The cosignature is made with the loaded key.
  const text = parseNote(createMemoryLog('custos.test/a').append('x').checkpoint())?.text as string;
  assert.equal(first.sign(Buffer.from(text)).length, 72);
});

test('concurrent first starts agree on one key', async () => {
  const keys = await Promise.all(Array.from({ length: 4 }, () => loadOrCreateWitnessKey({ dataDir, clock })));
  assert.equal(new Set(keys.map((k) => k.vkey)).size, 1);
});

test('a key file readable by others, malformed, or of another name is refused', async () => {
  await loadOrCreateWitnessKey({ dataDir, name: 'witness.custos.test/w1', clock });
  const key = join(dataDir, 'witness.key');
  await assert.rejects(loadOrCreateWitnessKey({ dataDir, name: 'witness.custos.test/w2', clock }), (e) =>
    isCustosError(e, 'CONFIG_INVALID'),
  );
  await chmod(key, 0o644);
  await assert.rejects(loadOrCreateWitnessKey({ dataDir, clock }), (e) => isCustosError(e, 'CONFIG_INVALID'));
  await writeFile(key, 'PRIVATE+KEY+nonsense\n', { mode: 0o600 });
  await chmod(key, 0o600);
  await assert.rejects(loadOrCreateWitnessKey({ dataDir, clock }), (e) => isCustosError(e, 'CONFIG_INVALID'));
});

test('runWitness refuses a configuration it cannot honour', async () => {
  const log = createMemoryLog('custos.test/a');
  const cases = [
    [],
    [{ origin: 'custos.test/a', vkey: 'not a key' }],
    [{ origin: 'custos.test/a', vkey: [] as string[] }],
    [
      { origin: 'custos.test/a', vkey: log.vkey },
      { origin: 'custos.test/a', vkey: log.vkey },
    ],
  ];
  for (const logs of cases) {
    await assert.rejects(runWitness({ dataDir, logs }), (e) => isCustosError(e, 'CONFIG_INVALID'));
  }
});
