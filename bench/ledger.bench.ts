/**
 * The ledger benchmark (`npm run bench:ledger`). In one run, on the embedded SQLite default with
 * `synchronous=FULL` (every commit fsynced):
 *   (a) appends/s of the ledger with many concurrent writers (group commit), every entry about a different
 *       customer (the subject map's worst case) and a checkpoint signed every second as a server does — with
 *       the subject map (docs/LEDGER.md, "Completeness") on, and off, run alternately BENCH_ROUNDS times;
 *   (b) a raw batched better-sqlite3 insert of the same number of rows of the same size, in transactions of
 *       the same size as the ledger's batches — the ratio a/b is the figure (target ≥ 0.5);
 *   (c) time from an acknowledged append to a signed checkpoint that covers it, with the default 1 s
 *       checkpoint interval (and the cost of signing one checkpoint);
 *   (d) inclusion-proof generation and verification time in a ledger of BENCH_PROOF_ENTRIES entries
 *       (default 10,000,000), cold (tiles read from SQLite) and warm (full tiles cached).
 * Output: a Markdown section for docs/PERFORMANCE.md. Absolute times are noise on shared machines; the
 * ratio is measured seconds apart on the same machine.
 *
 * Environment: BENCH_APPENDS (default 200,000), BENCH_WRITERS (default 256), BENCH_PROOF_ENTRIES.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCustos, type Custos } from '../src/app.ts';
import { openCheckpoint } from '../src/ledger/checkpoint.ts';
import { verifierFromKey } from '../src/ledger/ledger-key.ts';
import { verifyInclusion } from '../src/ledger/proof-verification.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { envInt, note, writeResults } from './support/bench-setup.ts';

const APPENDS = envInt('BENCH_APPENDS', 200_000);
const WRITERS = envInt('BENCH_WRITERS', 256);
const PROOF_ENTRIES = envInt('BENCH_PROOF_ENTRIES', 10_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 3);

async function custosIn(dir: string, interval = 1000, subjectMap = true): Promise<Custos> {
  const config = loadConfig({
    CUSTOS_DATA_DIR: dir,
    CUSTOS_DEMO: 'false',
    CUSTOS_HONEY_RECORDS: '0',
    CUSTOS_CHECKPOINT_INTERVAL_MS: String(interval),
  });
  return createCustos(config, { logger: createLogger('silent'), subjectMap });
}

/** `appendMany` with a checkpoint signed every second meanwhile and one at the end, as a server runs. */
async function appendCheckpointed(custos: Custos, count: number, writers: number): Promise<number> {
  const started = performance.now();
  const timer = setInterval(() => void custos.ledger.checkpointNow(), 1000);
  try {
    await appendMany(custos, count, writers);
    await custos.ledger.checkpointNow();
  } finally {
    clearInterval(timer);
  }
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Append `count` entries from `writers` concurrent callers; returns seconds taken. */
async function appendMany(custos: Custos, count: number, writers: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) {
        const i = next++;
        await custos.ledger.append({
          type: 'customer.viewed',
          actor: 'api-token:0190c0de-0000-7000-8000-000000000000',
          subject: `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`,
          data: { customerId: `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}` },
        });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** The baseline: the same rows, batched the same, straight into a table of the same shape. */
function rawInsert(dir: string, count: number, batch: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'create table t (idx integer primary key, at integer, type text, actor text, subject text, entry blob, redacted_at integer)',
  );
  const insert = db.prepare('insert into t values (?, ?, ?, ?, ?, ?, null)');
  const entry = Buffer.alloc(230, 7);
  const started = performance.now();
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++)
      insert.run(i, Date.now(), 'customer.viewed', 'api-token:x', `s${i}`, entry);
  });
  for (let i = 0; i < count; i += batch) write(i, Math.min(count, i + batch));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

async function appendToCheckpoint(
  custos: Custos,
  samples: number,
): Promise<{ p50: number; max: number; signMs: number }> {
  custos.start();
  const delays: number[] = [];
  for (let s = 0; s < samples; s++) {
    const index = await custos.ledger.append({
      type: 'customer.viewed',
      actor: 'system:bench',
      data: { customerId: `cp${s}` },
    });
    const acked = performance.now();
    for (;;) {
      const latest = await custos.ledgerStore.latestCheckpoint();
      if (latest && latest.size > index) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    delays.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, 137 * (s % 7)));
  }
  delays.sort((a, b) => a - b);
  await custos.ledger.append({
    type: 'customer.viewed',
    actor: 'system:bench',
    data: { customerId: 'sign' },
  });
  const started = performance.now();
  await custos.ledger.checkpointNow();
  const signMs = performance.now() - started;
  return {
    p50: delays[Math.floor(delays.length / 2)] as number,
    max: delays[delays.length - 1] as number,
    signMs,
  };
}

async function proofTimes(custos: Custos, size: number, samples: number) {
  const checkpoint = await custos.ledger.checkpointNow();
  if (!checkpoint || checkpoint.size < size) throw new Error('no checkpoint at the proof size');
  const opened = openCheckpoint(checkpoint.note, [verifierFromKey(custos.ledger.vkey)], custos.ledger.origin);
  if (!opened.ok) throw new Error('checkpoint does not verify');
  const root = opened.checkpoint.rootHash;
  const indexes = Array.from({ length: samples }, () => Math.floor(Math.random() * checkpoint.size));
  const run = async () => {
    let proofMs = 0;
    let verifyMs = 0;
    for (const index of indexes) {
      const t0 = performance.now();
      const proof = await custos.ledger.inclusionProof(index, checkpoint.size);
      const entry = await custos.ledger.entry(index);
      const t1 = performance.now();
      if (!verifyInclusion(index, checkpoint.size, Buffer.from(entry.leafHash, 'base64'), proof, root)) {
        throw new Error(`inclusion proof for ${index} does not verify`);
      }
      verifyMs += performance.now() - t1;
      proofMs += t1 - t0;
    }
    return { proofUs: (proofMs * 1000) / samples, verifyUs: (verifyMs * 1000) / samples };
  };
  const cold = await run();
  const warm = await run();
  return { size: checkpoint.size, cold, warm };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-ledger-'));
  try {
    const on: number[] = [];
    let restartMs = 0;
    const off: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const mapped of [true, false]) {
        note(
          `round ${round + 1}: ${APPENDS} appends from ${WRITERS} writers, subject map ${mapped ? 'on' : 'off'}`,
        );
        const ledgerDir = join(dir, `r${round}-${mapped}`);
        const node = await custosIn(ledgerDir, 3_600_000, mapped);
        (mapped ? on : off).push(await appendCheckpointed(node, APPENDS, WRITERS));
        await node.close();
        if (mapped && round === 0) {
          note('restart: the subject index and map rebuilt from storage');
          const restartStarted = performance.now();
          const restarted = await custosIn(ledgerDir, 3_600_000, true);
          restartMs = performance.now() - restartStarted;
          await restarted.close();
        }
        rmSync(ledgerDir, { recursive: true, force: true });
      }
    }
    const appendSeconds = median(on);
    const offSeconds = median(off);
    note('raw batched insert of the same rows');
    const rawSeconds = rawInsert(dir, APPENDS, 1024);
    note('append → signed checkpoint delay');
    const custos = await custosIn(join(dir, 'a'));
    const checkpoint = await appendToCheckpoint(custos, 20);
    await custos.close();

    note(`building a ledger of ${PROOF_ENTRIES} entries for proofs`);
    // Proofs are about the log's tree: the map stays off here (10M distinct subjects would hold ~3 GB).
    const big = await custosIn(join(dir, 'b'), 3_600_000, false);
    const buildSeconds = await appendMany(big, PROOF_ENTRIES, 4096);
    const proofs = await proofTimes(big, PROOF_ENTRIES, 200);
    await big.close();

    const appendRate = APPENDS / appendSeconds;
    const offRate = APPENDS / offSeconds;
    const rawRate = APPENDS / rawSeconds;
    const lines = [
      `### Ledger — \`npm run bench:ledger\` (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}; SQLite WAL, synchronous=FULL.`,
      `Command: \`${Object.entries(process.env)
        .filter(([k]) => k.startsWith('BENCH_'))
        .map(([k, v]) => `${k}=${v} `)
        .join('')}npm run bench:ledger\``,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| ledger appends, ${WRITERS} concurrent writers, ${APPENDS} entries, a customer each, checkpoint every second (median of ${ROUNDS}) | ${Math.round(appendRate).toLocaleString('en')} /s |`,
      `| the same with the subject map off (median of ${ROUNDS}, alternating) | ${Math.round(offRate).toLocaleString('en')} /s |`,
      `| **ratio map on / map off** | **${(appendRate / offRate).toFixed(2)}** (target ≥ 0.5) |`,
      `| raw batched SQLite insert, same rows, 1024 per transaction | ${Math.round(rawRate).toLocaleString('en')} /s |`,
      `| **ratio ledger / raw** | **${(appendRate / rawRate).toFixed(2)}** (target ≥ 0.5) |`,
      `| restart of a ${APPENDS.toLocaleString('en')}-subject ledger (subject index and map rebuilt) | ${restartMs.toFixed(0)} ms |`,
      `| append acknowledged → covered by a signed checkpoint (1 s interval), p50 / max of 20 | ${checkpoint.p50.toFixed(0)} ms / ${checkpoint.max.toFixed(0)} ms |`,
      `| signing one checkpoint (root, Ed25519, store) | ${checkpoint.signMs.toFixed(2)} ms |`,
      `| building the ${proofs.size.toLocaleString('en')}-entry ledger (4096 writers) | ${(PROOF_ENTRIES / buildSeconds).toFixed(0)} appends/s |`,
      `| inclusion proof at ${proofs.size.toLocaleString('en')} entries, cold (tiles from SQLite) | ${proofs.cold.proofUs.toFixed(0)} µs |`,
      `| inclusion proof, warm (full tiles cached) | ${proofs.warm.proofUs.toFixed(0)} µs |`,
      `| verifying one inclusion proof | ${proofs.warm.verifyUs.toFixed(0)} µs |`,
      '',
    ];
    writeResults({
      appendsPerSecond: appendRate,
      mapOffPerSecond: offRate,
      rawPerSecond: rawRate,
      restartMs,
      checkpointP50Ms: checkpoint.p50,
      proofEntries: proofs.size,
      proofColdUs: proofs.cold.proofUs,
      proofWarmUs: proofs.warm.proofUs,
      verifyUs: proofs.warm.verifyUs,
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
