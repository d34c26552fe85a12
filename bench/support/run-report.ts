/**
 * The report of `npm run bench`: a Markdown section written between `<!-- bench:begin -->` and
 * `<!-- bench:end -->` in docs/PERFORMANCE.md (added at the top when the marks are missing), the chart beside it
 * (docs/performance/ratios.svg) and every figure as JSON (docs/performance/latest.json). Ratios are between
 * servers measured in the same run; absolute figures are for orientation only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type ChartBar, ratioChart } from './chart.ts';
import type { Measurement } from './load.ts';
import type { ProfileSummary } from './profile-summary.ts';

export interface DatabaseRun {
  database: 'sqlite' | 'postgres';
  importSeconds: number;
  customers: number;
  workload: { clerks: number; cases: number; setupSeconds: number };
  rows: Array<{ connections: number; hello: Measurement; crm: Measurement; custos: Measurement[] }>;
  profile: { reveals: number; connections: number; summary: ProfileSummary };
  failures: string[];
}

export interface RunResults {
  startedAt: string;
  duration: number;
  databases: DatabaseRun[];
  ledger?: Record<string, unknown>;
  watch?: Record<string, unknown>;
  wallSeconds?: number;
  /** Medians of a 4 KiB write + fsync in the scratch directory (ms): rewriting blocks, and growing the file. */
  fsync?: { rewriteMs: number; appendMs: number };
}

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';
const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const ms = (n: number) => (n < 1 ? '< 1' : String(n));
const x = (n: number) => `${n.toFixed(2)}×`;
const met = (ok: boolean) => (ok ? 'met' : '**missed**');
const dbName = { sqlite: 'SQLite (embedded default)', postgres: 'PostgreSQL 15' } as const;

/** A scenario's target ratio to hello-world: a reveal 0.5, the masked view and search 0.6. */
export function targetOf(scenario: string): number | undefined {
  if (scenario.startsWith('reveal')) return 0.5;
  if (scenario.startsWith('masked view') || scenario.startsWith('search')) return 0.6;
  return undefined;
}

function httpTable(d: DatabaseRun): string[] {
  const lines = [
    '| connections | route | req/s | p50 ms | p99 ms | × hello-world | × plain CRM | target (× hello-world) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of d.rows) {
    for (const m of [row.hello, row.crm, ...row.custos]) {
      const target = targetOf(m.scenario);
      const ratio = m.requestsPerSecond / row.hello.requestsPerSecond;
      const problems = problemsOrEmpty(m);
      lines.push(
        `| ${row.connections} | ${m.scenario}${problems} | ${int(m.requestsPerSecond)} | ${ms(m.p50Ms)} | ${ms(m.p99Ms)} | ${x(ratio)} | ${x(m.requestsPerSecond / row.crm.requestsPerSecond)} | ${target === undefined ? '' : `≥ ${target}: ${met(ratio >= target)}`} |`,
      );
    }
  }
  return lines;
}

function problemsOrEmpty(m: Measurement): string {
  const bad = Object.entries(m.non2xx).map(([k, n]) => `${n} × ${k}`);
  if (m.errors) bad.push(`${m.errors} errors`);
  if (m.wrongAnswers) bad.push(`${m.wrongAnswers} wrong answers`);
  return bad.length > 0 ? ` (**${bad.join(', ')}**)` : '';
}

/** Main-thread CPU per request: the profiled window's time not idle, over the reveals served in it. */
function busyUsPerReveal(d: DatabaseRun): number {
  const idle = d.profile.summary.areas.find((a) => a.area.startsWith('idle'))?.ms ?? 0;
  return ((d.profile.summary.totalMs - idle) * 1000) / Math.max(1, d.profile.reveals);
}

/** What bounds the reveal: main-thread CPU per reveal against hello-world's per request, and the fsync. */
function boundsLines(d: DatabaseRun, fsync: RunResults['fsync']): string[] {
  const top = d.rows.find((r) => r.connections === d.profile.connections) ?? d.rows[d.rows.length - 1];
  if (!top) return [];
  const busy = busyUsPerReveal(d);
  const helloUs = 1e6 / top.hello.requestsPerSecond;
  const lines = [
    `Bounds, measured in this run: a reveal takes **${busy.toFixed(0)} µs of main-thread CPU** under the ` +
      `profiler (the profiled window's busy time ÷ the reveals served in it), against ≤ ${helloUs.toFixed(0)} µs per hello-world request (1 ÷ its ` +
      `rate at ${top.connections} connections, autocannon's share included): on one event loop the reveal's ratio ` +
      `cannot pass ≈ ${(helloUs / busy).toFixed(2)}× whatever the disk.`,
  ];
  if (fsync !== undefined) {
    const slower = Math.max(fsync.rewriteMs, fsync.appendMs);
    lines.push(
      `A 4 KiB write + fsync here takes ${fsync.rewriteMs.toFixed(2)} ms rewriting blocks and ` +
        `${fsync.appendMs.toFixed(2)} ms growing the file (medians of 200): each reveal waits for at least one ` +
        `group commit, so at ${top.connections} connections reveals cannot pass ` +
        `${int(top.connections / (slower / 1000))}/s (connections ÷ the slower fsync) even at no CPU cost — ` +
        'here the CPU bound above is the one that binds.',
    );
  }
  return lines;
}

function profileTable(d: DatabaseRun): string[] {
  const p = d.profile;
  const reveals = Math.max(1, p.reveals);
  return [
    `Where the main thread's time went during ${int(p.reveals)} reveals at ${p.connections} connections ` +
      `(${(p.summary.totalMs / 1000).toFixed(1)} s profiled; µs per reveal = the area's time ÷ reveals; an area is ` +
      'the deepest Custos folder on the stack, so it includes the libraries and native calls it made):',
    '',
    '| area | share | µs per reveal |',
    '| --- | ---: | ---: |',
    ...p.summary.areas
      .slice(0, 14)
      .map(
        (a) => `| ${a.area} | ${(a.share * 100).toFixed(1)} % | ${((a.ms * 1000) / reveals).toFixed(1)} |`,
      ),
    '',
    '| hottest functions (self time) | share |',
    '| --- | ---: |',
    ...p.summary.hottest.map(
      (f) => `| \`${f.fn.replaceAll('|', '\\|')}\` | ${(f.share * 100).toFixed(1)} % |`,
    ),
  ];
}

function num(o: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = o?.[key];
  return typeof v === 'number' ? v : undefined;
}

function ledgerLines(ledger: Record<string, unknown> | undefined): string[] {
  if (!ledger) return [];
  const appends = num(ledger, 'appendsPerSecond') ?? 0;
  const raw = num(ledger, 'rawPerSecond') ?? 1;
  const warm = num(ledger, 'proofWarmUs') ?? Number.NaN;
  return [
    '| ledger (SQLite) | value | target |',
    '| --- | ---: | --- |',
    `| appends, 256 concurrent writers, a customer each, checkpoint every second | ${int(appends)} /s | |`,
    `| raw batched insert of the same rows (1,024 per transaction) | ${int(raw)} /s | |`,
    `| **appends ÷ raw** | **${x(appends / raw)}** | ≥ 0.5: ${met(appends / raw >= 0.5)} |`,
    `| inclusion proof at ${int(num(ledger, 'proofEntries') ?? 0)} entries, cold | ${(num(ledger, 'proofColdUs') ?? 0).toFixed(1)} µs | |`,
    `| inclusion proof, warm (tiles cached) | ${warm.toFixed(1)} µs | ≤ 50 µs: ${met(warm <= 50)} |`,
    `| verifying one inclusion proof | ${(num(ledger, 'verifyUs') ?? 0).toFixed(1)} µs | |`,
  ];
}

function watchLines(watch: Record<string, unknown> | undefined): string[] {
  if (!watch) return [];
  const events = num(watch, 'eventsPerSecond') ?? 0;
  const baseline = num(watch, 'baselinePerSecond') ?? 1;
  return [
    '| watcher | value |',
    '| --- | ---: |',
    `| \`model.observe\`, one core | ${int(events)} events/s |`,
    `| baseline loop over the same events (Map get/set + hash) | ${int(baseline)} events/s (ratio ${x(events / baseline)}) |`,
    `| \`watcher.tierOf\` on the request path | ${(num(watch, 'tierOfUs') ?? 0).toFixed(2)} µs |`,
    `| whole \`access.decided\` handler, off the request path | ${(num(watch, 'handlerUs') ?? 0).toFixed(1)} µs |`,
  ];
}

function bars(results: RunResults): ChartBar[] {
  return results.databases.flatMap((d) =>
    d.rows.flatMap((row) =>
      [row.crm, ...row.custos].map((m) => ({
        group: `${dbName[d.database]}, ${row.connections} connections`,
        label: m.scenario.replace(/ \(.*$/, ''),
        ratio: m.requestsPerSecond / row.hello.requestsPerSecond,
        target: targetOf(m.scenario),
      })),
    ),
  );
}

export function formatRunReport(results: RunResults, chartPath: string): string {
  const lines = [
    BEGIN,
    `## Latest run — \`npm run bench\` (${results.startedAt.slice(0, 10)})`,
    '',
    `Run of ${results.startedAt}, ${((results.wallSeconds ?? 0) / 60).toFixed(1)} min; Node ${process.version}; ` +
      `${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length}; load average at the end ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}. autocannon in the benchmark's process, each server alone in a child process, ` +
      `${results.duration} s per scenario after a 2 s warm-up. The figures, as JSON: \`docs/performance/latest.json\`.`,
    '',
    `![throughput as a ratio to hello-world](${chartPath})`,
    '',
  ];
  for (const d of results.databases) {
    lines.push(
      `### ${dbName[d.database]}`,
      '',
      `${int(d.customers)} customers imported with \`custos import\` in ${d.importSeconds.toFixed(1)} s ` +
        `(${int(d.customers / d.importSeconds)} rows/s${d.database === 'sqlite' && d.customers >= 1_000_000 ? `; target 1M ≤ 60 s: ${met(d.importSeconds * (1_000_000 / d.customers) <= 60)}` : ''}); ` +
        `${d.workload.clerks} support clerks, ${d.workload.cases} repair cases, each opened by the clerk who took ` +
        `the customer's call (set-up ${d.workload.setupSeconds.toFixed(0)} s). Every reveal ledgered durably before ` +
        'it answers; every request a random clerk and case.',
      '',
      ...httpTable(d),
      '',
      ...profileTable(d),
      '',
      ...boundsLines(d, results.fsync),
      '',
    );
    if (d.failures.length > 0)
      lines.push(
        '**THIS RUN HAD ERRORS; its figures are not valid:**',
        ...d.failures.map((f) => `- ${f}`),
        '',
      );
  }
  const ledger = ledgerLines(results.ledger);
  const watch = watchLines(results.watch);
  if (ledger.length > 0 || watch.length > 0)
    lines.push('### Ledger and watcher', '', ...ledger, '', ...watch, '');
  lines.push(END);
  return lines.join('\n');
}

export function writeRunReport(results: RunResults, docPath: string): void {
  const dir = join(dirname(docPath), 'performance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    join(dir, 'ratios.svg'),
    ratioChart(`Custos — npm run bench, ${results.startedAt.slice(0, 10)}`, bars(results)),
  );
  const section = formatRunReport(results, relative(dirname(docPath), join(dir, 'ratios.svg')));
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Performance\n';
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  let next: string;
  if (begin >= 0 && end > begin) next = doc.slice(0, begin) + section + doc.slice(end + END.length);
  else {
    const firstSection = doc.indexOf('\n## ');
    next =
      firstSection >= 0
        ? `${doc.slice(0, firstSection + 1)}${section}\n\n${doc.slice(firstSection + 1)}`
        : `${doc}\n${section}\n`;
  }
  writeFileSync(docPath, next);
  process.stdout.write(`${section}\n`);
}
