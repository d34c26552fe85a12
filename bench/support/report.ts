/**
 * The benchmark's report: a Markdown section ready to paste into docs/PERFORMANCE.md. Absolute figures are
 * printed for context; the ratio to the hello-world baseline measured in the same run is the figure to
 * compare between runs and machines.
 */
import { cpus } from 'node:os';
import { type LoadSettings, type Measurement, problemsOf } from './load.ts';

export interface ImportTiming {
  customers: number;
  /** Wall time of the `custos import` process, start-up included. */
  wallSeconds: number;
  /** The time the CLI reports for the import itself. */
  reportedSeconds: number;
}

export interface BenchReport {
  command: string;
  customers: number;
  load: LoadSettings;
  baseline: Measurement;
  scenarios: Measurement[];
  importTiming: ImportTiming;
  /** Anything that makes the figures invalid (non-2xx answers, rejected rows, …). */
  failures: string[];
}

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** autocannon's latency histogram has whole-millisecond resolution: 0 means under a millisecond. */
function millis(ms: number): string {
  return ms < 1 ? '< 1' : String(ms);
}

function row(m: Measurement, baseline: Measurement): string {
  const ratio = m.requestsPerSecond / baseline.requestsPerSecond;
  const problems = problemsOf(m);
  const name = problems ? `${m.scenario} (**${problems}**)` : m.scenario;
  return `| ${name} | ${integer.format(m.requestsPerSecond)} | ${millis(m.p50Ms)} | ${millis(m.p99Ms)} | ${decimal.format(ratio)} |`;
}

function cpuModel(): string {
  const all = cpus();
  return `${all[0]?.model.trim() ?? 'unknown'} × ${all.length}`;
}

export function formatReport(r: BenchReport): string {
  const { load, importTiming: t } = r;
  const lines = [
    `### Vault benchmark, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `- Command: \`${r.command}\``,
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version}; CPU: ${cpuModel()}`,
    `- Customers (N): ${integer.format(r.customers)}`,
    `- Load: autocannon, ${load.connections} connections, ${load.durationSeconds} s per scenario after a ` +
      `${load.warmupSeconds} s warm-up; each server alone in a child process, 127.0.0.1`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio to hello-world |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(r.baseline, r.baseline),
    ...r.scenarios.map((m) => row(m, r.baseline)),
    '',
    `Import (\`custos import\`, CSV): ${integer.format(t.customers)} rows in ${t.wallSeconds.toFixed(1)} s, ` +
      `${integer.format(t.customers / t.wallSeconds)} rows/s (wall time of the CLI process, start-up ` +
      `included; the CLI itself reported ${t.reportedSeconds.toFixed(1)} s).`,
  ];
  if (r.failures.length > 0) {
    lines.push('', '**THIS RUN HAD ERRORS; its figures are not valid:**', ...r.failures.map((f) => `- ${f}`));
  }
  return `${lines.join('\n')}\n`;
}
