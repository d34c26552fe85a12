/** What every benchmark script shares: paths, BENCH_* settings, progress notes, the scratch Custos process. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildOptions, startServer } from './child-processes.ts';
import { type LoadSettings, type Measurement, measure } from './load.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const custosCli = join(repoRoot, 'bin/custos.mjs');
export const helloWorldServer = join(repoRoot, 'bench/support/hello-world.server.ts');

/** A positive whole number from the environment, or the fallback; anything else stops the run. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The command as run, with the BENCH_* overrides in force, e.g. `BENCH_DURATION=5 npm run bench:vault`. */
export function commandLine(script: string): string {
  const overrides = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_'));
  return [...overrides.map(([k, v]) => `${k}=${v}`), `npm run ${script}`].join(' ');
}

/** Custos configured for the scratch data directory only: inherited CUSTOS_* settings are dropped. */
export function custosProcess(dataDir: string): ChildOptions {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('CUSTOS_'));
  return {
    cwd: repoRoot,
    env: {
      ...Object.fromEntries(inherited),
      CUSTOS_DATA_DIR: dataDir,
      CUSTOS_DEMO: 'false',
      CUSTOS_LOG_LEVEL: 'warn',
      CUSTOS_HOST: '127.0.0.1',
      CUSTOS_PORT: '0',
      // Security staff made for a run approve its quota raises at once (no 72-hour cooling-off).
      CUSTOS_PRIVILEGED_COOLING_OFF_HOURS: '0',
      // A run's clerks reveal thousands of customers nobody asked about: the watcher would rightly hold them
      // after a few. It still scores every reveal (its cost is measured); it just never reaches a tier.
      CUSTOS_RISK_THRESHOLDS: '101,101,101',
    },
  };
}

export const pickFrom = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** The baseline every ratio is against: a plain Fastify hello-world, alone in a child process. */
export async function measureBaseline(load: LoadSettings): Promise<Measurement> {
  const server = await startServer(['--import', 'tsx', helloWorldServer], {
    cwd: repoRoot,
    env: process.env,
  });
  try {
    note(`measuring the hello-world baseline at ${server.url}`);
    return await measure(
      {
        name: 'Fastify hello-world (baseline)',
        url: server.url,
        method: 'GET',
        nextRequest: () => ({ path: '/' }),
      },
      load,
    );
  } finally {
    await server.stop();
  }
}

/** Hand a benchmark's key figures to `npm run bench` (bench/bench.ts): JSON to the file BENCH_JSON names. */
export function writeResults(results: Record<string, unknown>): void {
  const file = process.env.BENCH_JSON;
  if (file) writeFileSync(file, JSON.stringify(results, null, 2));
}
