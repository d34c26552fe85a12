/**
 * The watcher benchmark (`npm run bench:watch`, Step 5, issue 15): what the insider-risk watcher costs.
 *   1. Events/s on one core: `model.observe` over a working-day mix of acts (bench/support/watch-workload.ts)
 *      from 10,000 staff, customers drawn from 1,000,000, pre-generated; against a baseline loop over the same
 *      arrays in the same round (a Map get/set per event and an FNV-1a hash of each reveal's customer id).
 *   2. Bytes per active staff: the model's declared `bytesPerStaff`, and measured — the heap and array-buffer
 *      growth (after `gc()`) of a model holding 10,000 and 100,000 members after a typical day, per member.
 *   3. The added cost per reveal: on the request path, the tier lookup (`watcher.tierOf`, what the access
 *      gate calls once per reveal); off it, the `access.decided` event (`watchEventOf` + `observe`, and the
 *      whole bus handler with its queued tier check).
 * Output: a Markdown section for docs/PERFORMANCE.md. Run with `--expose-gc` (the npm script does).
 *
 * Environment: BENCH_EVENTS (default 5,000,000 in all), BENCH_ROUNDS (10: one working day each), BENCH_STAFF (10,000),
 * BENCH_TIER_CALLS (400,000 per round, 3 rounds), BENCH_DAY_ACTS (25 acts per member in the memory runs).
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { commandLine, envInt, note, writeResults } from './support/bench-setup.ts';
import { actGenerator, dayStart, random, revealDecision, uuids, workday } from './support/watch-workload.ts';
import type { BusEvent, EventBus, EventType, Handler } from '../src/platform/bus.ts';
import { createRiskModel } from '../src/watch/risk/risk-model.ts';
import { indicators, type WatchEvent } from '../src/watch/risk/risk.types.ts';
import { createWatcher, watchEventOf } from '../src/watch/watcher.service.ts';

const EVENTS = envInt('BENCH_EVENTS', 5_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 10);
const STAFF = envInt('BENCH_STAFF', 10_000);
const TIER_CALLS = envInt('BENCH_TIER_CALLS', 400_000);
const TIER_ROUNDS = 3;
const DAY_ACTS = envInt('BENCH_DAY_ACTS', 25);
const CUSTOMERS = 1_000_000;

const startedAt = Date.now();
const say = (m: string) => note(`${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${m}`);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:watch does)');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const elapsedNs = (since: bigint) => Number(process.hrtime.bigint() - since);

/** 32-bit FNV-1a of a string's UTF-16 units: the trivial hash of the baseline loop. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The customer hash risk-model.ts used before (SHA-256, first 32 bits): timed for comparison. */
const sha256Hash = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);

// ── The workload ───────────────────────────────────────────────────────────────────────────────────────
const next = random(15);
say(
  `generating ${CUSTOMERS.toLocaleString('en-GB')} customer ids and ${STAFF.toLocaleString('en-GB')} staff`,
);
const work = { staffIds: uuids(next, STAFF), customerIds: uuids(next, CUSTOMERS) };
const perDay = Math.ceil(EVENTS / ROUNDS);
const act = actGenerator(work, 16);
const mix = new Map<string, number>();
let total = 0;
let coldReveals = 0;
/** One working day, pre-generated before its round (one day resident at a time keeps the heap small). */
function nextWorkday(d: number): WatchEvent[] {
  const day = workday(act, STAFF, d, perDay, next);
  for (const e of day) {
    const kind = e.kind === 'reveal' && e.evidence === 'none' ? 'reveal (staff-initiated)' : e.kind;
    mix.set(kind, (mix.get(kind) ?? 0) + 1);
    if (e.kind === 'reveal' && e.evidence === 'none' && !e.context?.followUp) coldReveals++;
  }
  total += day.length;
  return day;
}

// ── 1. Events/s on one core ────────────────────────────────────────────────────────────────────────────
function baselinePass(day: WatchEvent[], perStaff: Map<string, number>): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (const e of day) {
    perStaff.set(e.staffId, (perStaff.get(e.staffId) ?? 0) + 1);
    if (e.kind === 'reveal') sink ^= fnv1a(e.customerId);
  }
  const ns = elapsedNs(started);
  if (sink === 0.5) say('unreachable'); // keeps the hash live
  return ns;
}

function modelPass(day: WatchEvent[], model: ReturnType<typeof createRiskModel>): number {
  const started = process.hrtime.bigint();
  for (const e of day) model.observe(e);
  return elapsedNs(started);
}

say('warm-up pass');
{
  const warm = createRiskModel();
  const day = workday(actGenerator(work, 99), STAFF, 0, 300_000, random(99));
  for (const e of day) warm.observe(e);
  baselinePass(day, new Map());
}
// One round a working day, in order, on one model: day roll-overs and baselines are part of the work.
const baselineNs: number[] = [];
const modelNs: number[] = [];
const populated = createRiskModel();
const counters = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  say(`round ${round + 1}: generating a working day of ${perDay.toLocaleString('en-GB')} acts`);
  const day = nextWorkday(round);
  baselineNs.push(baselinePass(day, counters));
  modelNs.push(modelPass(day, populated));
  say(
    `round ${round + 1}: observe ${((day.length / modelNs.at(-1)!) * 1e3).toFixed(3)} M events/s, baseline ${((day.length / baselineNs.at(-1)!) * 1e3).toFixed(2)} M/s`,
  );
}
const eventsPerSecond = (perDay / median(modelNs)) * 1e9;
const baselinePerSecond = (perDay / median(baselineNs)) * 1e9;
const usPerEvent = median(modelNs) / perDay / 1e3;

// Where the time goes: the customer hash, timed apart (one FNV-1a per reveal, a second per cold reveal new today).
function perCallUs(hash: (t: string) => number, calls: number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink ^= hash(work.customerIds[i % CUSTOMERS]!);
  const ns = elapsedNs(started);
  if (sink === 0.5) say('unreachable');
  return ns / calls / 1e3;
}
perCallUs(sha256Hash, 50_000);
const shaUs = median([1, 2, 3].map(() => perCallUs(sha256Hash, 200_000)));
const fnvUs = median([1, 2, 3].map(() => perCallUs(fnv1a, 1_000_000)));
const reveals = (mix.get('reveal') ?? 0) + (mix.get('reveal (staff-initiated)') ?? 0);
const hashesPerEvent = reveals / total;
const maxHashesPerEvent = (reveals + coldReveals) / total;

// ── 3. Added cost per reveal ───────────────────────────────────────────────────────────────────────────
let now = dayStart(ROUNDS) - 12 * 3_600_000;
const handlers = new Map<string, Handler<EventType>>();
const bus: Pick<EventBus, 'subscribe'> = {
  subscribe: <T extends EventType>(type: T, handler: Handler<T>) => {
    handlers.set(type, handler as unknown as Handler<EventType>);
    return () => handlers.delete(type);
  },
};
let ledgered = 0;
const watcher = createWatcher({
  model: populated,
  bus,
  ledger: {
    append: async () => {
      ledgered++;
      return ledgered;
    },
  },
  alerts: { raise: async () => ({}) as never },
  suspend: async () => undefined,
  clock: { now: () => now },
  logger: { error: () => undefined },
});

function tierPass(tierOf: (staffId: string) => unknown): number {
  const ids = work.staffIds;
  const started = process.hrtime.bigint();
  for (let i = 0; i < TIER_CALLS; i++) {
    now += 1; // every lookup sees time passed since the last: the decay is computed each time
    tierOf(ids[i % STAFF]!);
  }
  return elapsedNs(started) / TIER_CALLS / 1e3;
}
say(`tier lookups: ${TIER_ROUNDS} rounds of ${TIER_CALLS.toLocaleString('en-GB')}`);
const tierMapUs: number[] = [];
const tierModelUs: number[] = [];
const tierWatcherUs: number[] = [];
const staffMap = new Map(work.staffIds.map((id) => [id, 'normal']));
tierPass(watcher.tierOf);
for (let round = 0; round < TIER_ROUNDS; round++) {
  tierMapUs.push(tierPass((id) => staffMap.get(id)));
  tierModelUs.push(tierPass((id) => populated.tierOf(id, now)));
  tierWatcherUs.push(tierPass(watcher.tierOf));
}

// The next day's reveals, as the bus delivers them: half through watchEventOf + observe, half through the
// watcher's whole handler (its queued tier check included, awaited at the end of each chunk).
const nextDay = workday(act, STAFF, ROUNDS, Math.min(perDay, 200_000), next).filter(
  (e): e is Extract<WatchEvent, { kind: 'reveal' }> => e.kind === 'reveal',
);
const decisions = nextDay.map(revealDecision);
const chunks = 6;
const chunkSize = Math.floor(decisions.length / chunks);
const observeUs: number[] = [];
const handlerUs: number[] = [];
const handle = handlers.get('access.decided')!;
say(`${decisions.length.toLocaleString('en-GB')} reveals through the watcher`);
for (let c = 0; c < chunks; c++) {
  const chunk = decisions.slice(c * chunkSize, (c + 1) * chunkSize);
  const started = process.hrtime.bigint();
  if (c % 2 === 0) {
    for (const event of chunk) {
      const watched = watchEventOf(event);
      if (watched) populated.observe(watched);
    }
    observeUs.push(elapsedNs(started) / chunk.length / 1e3);
  } else {
    for (const event of chunk) {
      now = event.at;
      void handle(event as BusEvent<EventType>);
    }
    await watcher.settled();
    handlerUs.push(elapsedNs(started) / chunk.length / 1e3);
  }
}
await watcher.close();

// ── 2. Bytes per active staff ──────────────────────────────────────────────────────────────────────────
function settledMemory(): number {
  for (let i = 0; i < 4; i++) gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A model holding `count` members after a typical day each; its growth of the heap, per member. */
function bytesPerMember(staffIds: string[]) {
  const count = staffIds.length;
  const before = settledMemory();
  const model = createRiskModel();
  {
    const acts = actGenerator({ staffIds, customerIds: work.customerIds }, 17);
    const start = dayStart(0);
    const step = (8 * 3_600_000) / DAY_ACTS;
    for (let a = 0; a < DAY_ACTS; a++)
      for (let s = 0; s < count; s++) model.observe(acts(s, Math.floor(start + a * step + s / count)));
  }
  const after = settledMemory();
  const measured = (after - before) / count;
  const declared = model.bytesPerStaff(staffIds[0]!);
  const snapshot = count <= 10_000 ? model.exportState().length / count : undefined;
  if (model.size !== count) throw new Error(`expected ${count} members, model holds ${model.size}`);
  return { count, measured, declared, snapshot };
}
say('memory: 10,000 and 100,000 members after a typical day');
const manyStaff = uuids(random(18), 100_000);
const memory = [bytesPerMember(manyStaff.slice(0, 10_000)), bytesPerMember(manyStaff)];

// ── Report ─────────────────────────────────────────────────────────────────────────────────────────────
const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const us = (n: number, digits = 2) => n.toFixed(digits);
const met = (ok: boolean) => (ok ? 'met' : '**missed**');
const tierUs = median(tierWatcherUs);
const pct = (kind: string) => `${(((mix.get(kind) ?? 0) / total) * 100).toFixed(0)} %`;

writeResults({
  eventsPerSecond,
  baselinePerSecond,
  bytesPerStaff: memory.map((m) => ({ members: m.count, bytes: m.measured })),
  tierOfUs: tierUs,
  handlerUs: median(handlerUs),
});
process.stdout.write(`## Watcher (Step 5) — \`npm run bench:watch\`

- Command: \`${commandLine('bench:watch')}\`; ${new Date().toISOString()}; Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length}; load average at the end ${loadavg()
  .map((l) => l.toFixed(2))
  .join(', ')}
- Workload: ${int(STAFF)} staff (${int(perDay / STAFF)} acts a day each), customers drawn from ${int(CUSTOMERS)}; ${int(total)} events timed, one working day of ${int(perDay)} a round (${ROUNDS} days in order on one model): reveals with evidence ${pct('reveal')}, staff-initiated reveals ${pct('reveal (staff-initiated)')}, searches ${pct('search')}, case closures ${pct('case_closed')}, refusals ${pct('denied')}; median of the rounds.

| measure | value | target | |
| --- | ---: | ---: | --- |
| \`model.observe\`, one core | **${int(eventsPerSecond)} events/s** (${us(usPerEvent, 3)} µs each) | ≥ 1,000,000 | ${met(eventsPerSecond >= 1e6)} |
| baseline loop, same arrays (Map get/set + FNV-1a per reveal) | ${int(baselinePerSecond)} events/s | | |
| ratio observe / baseline | ${us(eventsPerSecond / baselinePerSecond)} | | |
${memory
  .map(
    (m) =>
      `| bytes per active staff, ${int(m.count)} members after a day of ${DAY_ACTS} acts each (heap + array buffers after gc) | **${int(m.measured)} B** (declared \`bytesPerStaff\` ${int(m.declared)} B${m.snapshot === undefined ? '' : `; snapshot ${int(m.snapshot)} B`}) | ≤ 1,024 | ${met(m.measured <= 1024)} |`,
  )
  .join('\n')}
| **added to the request path** per reveal: \`watcher.tierOf\` (decay + score), populated model | **${us(tierUs, 3)} µs** | ≤ 5 | ${met(tierUs <= 5)} |
| … \`model.tierOf\` alone / a Map get (baseline) | ${us(median(tierModelUs), 3)} µs / ${us(median(tierMapUs), 3)} µs | | |
| off the request path, per reveal: \`watchEventOf\` + \`model.observe\` | ${us(median(observeUs))} µs | | |
| off the request path, per reveal: the whole \`access.decided\` handler (+ queued \`assess\`/record) | ${us(median(handlerUs))} µs | | |

Customer hash timed apart: the model's FNV-1a ${us(fnvUs, 3)} µs a call (the SHA-256 it used before: ${us(shaUs, 3)} µs). The mix hashes ${us(hashesPerEvent)}–${us(maxHashesPerEvent)} times per event (once per reveal, again for a cold reveal new today): ≈ ${us(hashesPerEvent * fnvUs, 3)}–${us(maxHashesPerEvent * fnvUs, 3)} µs of the ${us(usPerEvent, 3)} µs per event. The baseline loop's rate shows the machine's state: on a loaded 2-core machine both fall together, so the ratio is the number to compare.
Tier lookups: median of ${TIER_ROUNDS} rounds of ${int(TIER_CALLS)} (${int(TIER_ROUNDS * TIER_CALLS)} calls per variant), time advancing 1 ms between lookups (each decays all ${indicators.length} indicators' points). Tier changes ledgered (stub) during the handler run: ${int(ledgered)}.
`);
