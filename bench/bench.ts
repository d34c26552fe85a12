/**
 * `npm run bench`: every benchmark in one run, written to docs/PERFORMANCE.md (between its `bench:begin` and
 * `bench:end` marks), docs/performance/ratios.svg and docs/performance/latest.json.
 *
 * For each database (the embedded SQLite default, then PostgreSQL): N synthetic customers are imported with
 * the real `custos import` (timed); the real Custos server, a Fastify hello-world and a plain "CRM" (a customer's
 * plaintext row by id plus one audit row per request, bench/support/crm.server.ts) each run alone in a child
 * process; at each connection count autocannon measures hello-world, the CRM, and Custos's reveal, masked view
 * and search (bench/support/staff-workload.ts), so every ratio is between servers measured minutes apart on the
 * same machine. Then Custos's main thread is CPU-profiled through a reveal window at the highest connection
 * count (bench/support/custos.server.ts) and summarised. After the HTTP runs, the ledger benchmark (appends
 * against raw batched inserts, inclusion proofs) and the watcher benchmark run as they do alone, handing their
 * figures over as JSON.
 *
 * Environment: BENCH_DATABASES (default `sqlite,postgres`), BENCH_CONNECTION_COUNTS (`20,50`),
 * BENCH_CUSTOMERS (1,000,000), BENCH_CASES (1,000), BENCH_STAFF (50 clerks), BENCH_DURATION (8 s per
 * scenario), BENCH_PG_URL (a database to create the run's databases from), BENCH_PROOF_ENTRIES (10,000,000),
 * BENCH_LEDGER_APPENDS (200,000), BENCH_LEDGER_ROUNDS (3), BENCH_WATCH_ROUNDS (4), BENCH_SKIP (comma-separated:
 * `ledger`, `watch`), BENCH_DOC (the Markdown file to write, default docs/PERFORMANCE.md). Any non-2xx answer,
 * wrong answer or rejected import row fails the run with a non-zero exit code; a missed target does not.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  custosCli,
  custosProcess,
  envInt,
  measureBaseline,
  note,
  pickFrom,
  repoRoot,
} from './support/bench-setup.ts';
import { killAll, runToCompletion, startServer } from './support/child-processes.ts';
import { type LoadSettings, type Measurement, measure, problemsOf } from './support/load.ts';
import { type CpuProfile, summariseProfile } from './support/profile-summary.ts';
import { type DatabaseRun, type RunResults, writeRunReport } from './support/run-report.ts';
import { STEP_UP_WINDOW_MS, prepareStaffWorkload } from './support/staff-workload.ts';
import { samplePhones, writeCustomerCsv } from './support/synthetic-csv.ts';

const SEED = 2017;
const CUSTOMERS = envInt('BENCH_CUSTOMERS', 1_000_000);
const CASES = envInt('BENCH_CASES', 1_000);
const CLERKS = envInt('BENCH_STAFF', 50);
const DURATION = envInt('BENCH_DURATION', 8);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').filter(Boolean);
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTION_COUNTS ?? '20,50').split(',').map(Number);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));

for (const d of DATABASES)
  if (d !== 'sqlite' && d !== 'postgres') throw new Error(`BENCH_DATABASES: unknown database ${d}`);
for (const c of CONNECTION_COUNTS)
  if (!Number.isInteger(c) || c <= 0) throw new Error('BENCH_CONNECTION_COUNTS: positive whole numbers');

/** A fresh PostgreSQL database for this run; dropped at the end. */
async function postgresDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${name}`);
  await admin(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function createToken(env: ReturnType<typeof custosProcess>, label: string, scopes?: string) {
  const args = [custosCli, 'token', 'create', '--label', label, ...(scopes ? ['--scopes', scopes] : [])];
  const run = await runToCompletion(args, env);
  const token = /\bcst_\S+/.exec(run.stdout)?.[0];
  if (run.exitCode !== 0 || !token) throw new Error(`custos token create ${label} failed`);
  return token;
}

async function runDatabase(
  database: 'sqlite' | 'postgres',
  scratch: string,
  csv: string,
): Promise<DatabaseRun> {
  const failures: string[] = [];
  const dataDir = join(scratch, `${database}-data`);
  const cleanups: Array<() => Promise<void>> = [];
  const custos = custosProcess(dataDir);
  let crmDatabase = `sqlite:${join(scratch, 'crm.db')}`;
  if (database === 'postgres') {
    const vault = await postgresDatabase(`custos_bench_${process.pid}`);
    const crm = await postgresDatabase(`custos_bench_crm_${process.pid}`);
    cleanups.push(vault.drop, crm.drop);
    custos.env.CUSTOS_DATABASE_URL = vault.url;
    crmDatabase = crm.url;
  }
  try {
    note(`${database}: importing ${CUSTOMERS.toLocaleString('en')} customers with \`custos import\``);
    const importStarted = performance.now();
    const imported = await runToCompletion([custosCli, 'import', csv], custos);
    const importSeconds = (performance.now() - importStarted) / 1000;
    const summary = /Imported (\d+) customers in ([\d.]+) s; rejected (\d+) rows/.exec(imported.stdout);
    if (!summary || imported.exitCode !== 0) throw new Error(`custos import failed:\n${imported.stdout}`);
    if (Number(summary[1]) !== CUSTOMERS || Number(summary[3]) !== 0)
      failures.push(`import: ${summary[1]} of ${CUSTOMERS} imported, ${summary[3]} rejected`);
    const adminToken = await createToken(custos, 'benchmark');
    const telephonyToken = await createToken(custos, 'telephony', 'telephony');

    note(`${database}: loading the CRM baseline`);
    const crmIds = join(scratch, `${database}-crm-ids.txt`);
    const crm = await startServer(
      ['--import', 'tsx', join(repoRoot, 'bench/support/crm.server.ts')],
      {
        cwd: repoRoot,
        env: { ...process.env, CRM_DATABASE: crmDatabase, CRM_CSV: csv, CRM_IDS: crmIds },
      },
      900_000,
    );
    cleanups.push(crm.stop);
    const ids = readFileSync(crmIds, 'utf8').split('\n');
    const server = await startServer(['--import', 'tsx', join(repoRoot, 'bench/support/custos.server.ts')], {
      ...custos,
      ipc: true,
    });
    cleanups.unshift(server.stop);
    const phones = samplePhones(CUSTOMERS, SEED, 10_000);
    const workload = await prepareStaffWorkload({
      url: server.url,
      adminToken,
      telephonyToken,
      clerkCount: CLERKS,
      casePhones: phones.slice(0, CASES),
      searchPhones: phones,
    });
    const rows: DatabaseRun['rows'] = [];
    for (const connections of CONNECTION_COUNTS) {
      const load: LoadSettings = { connections, durationSeconds: DURATION, warmupSeconds: 2 };
      note(`${database}, ${connections} connections: hello-world, CRM, reveal, masked view, search`);
      const hello = await measureBaseline(load);
      const crmRun = await measure(
        {
          name: 'plain CRM (GET /customers/:id: plaintext row + audit row)',
          url: crm.url,
          method: 'GET',
          nextRequest: () => ({ path: `/customers/${pickFrom(ids)}`, headers: { 'x-staff': 'clerk' } }),
          isWrongAnswer: (body) => !body.includes('"phone"'),
        },
        load,
      );
      const custosRuns: Measurement[] = [];
      for (const scenario of Object.values(workload.scenarios))
        custosRuns.push(await measure(scenario, load));
      for (const m of [hello, crmRun, ...custosRuns]) {
        const problems = problemsOf(m);
        if (problems) failures.push(`${database}, ${connections} connections, ${m.scenario}: ${problems}`);
      }
      rows.push({ connections, hello, crm: crmRun, custos: custosRuns });
    }
    const connections = Math.max(...CONNECTION_COUNTS);
    note(
      `${database}: profiling Custos's main thread through ${DURATION} s of reveals at ${connections} connections`,
    );
    const profileFile = join(scratch, `${database}.cpuprofile`);
    // The profile covers exactly the measured window: warmed up just before, unprofiled.
    await measure(workload.scenarios.reveal, { connections, durationSeconds: 1, warmupSeconds: 0 });
    await server.ask({ profile: 'start' });
    const profiled = await measure(workload.scenarios.reveal, {
      connections,
      durationSeconds: DURATION,
      warmupSeconds: 0,
    });
    await server.ask({ profile: 'stop', file: profileFile });
    const profile = summariseProfile(JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile);
    const elapsed = Date.now() - workload.signedInAt;
    if (elapsed > STEP_UP_WINDOW_MS)
      failures.push(
        `${database}: measured ${Math.round(elapsed / 1000)} s after sign-in, past the step-up window`,
      );
    if (failures.length > 0) note(`the Custos server's last output:\n${server.output()}`);
    return {
      database,
      importSeconds,
      customers: CUSTOMERS,
      workload: { clerks: workload.clerks, cases: workload.cases, setupSeconds: workload.setupSeconds },
      rows,
      profile: { reveals: profiled.requestsPerSecond * DURATION, connections, summary: profile },
      failures,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
}

/**
 * What one durable commit costs on this disk: a 4 KiB write and fsync in the scratch directory, 200 times,
 * rewriting blocks already there (as a reused WAL is written) and growing the file (as a new WAL is); the
 * medians in ms. A write-ahead route waits for at least one per request (shared by the group commit), so at C
 * connections it cannot pass C ÷ that many requests per second, whatever the CPU.
 */
function fsyncMedianMs(dir: string): { rewriteMs: number; appendMs: number } {
  const probe = (growing: boolean) => {
    const file = join(dir, `fsync-probe-${growing ? 'append' : 'rewrite'}`);
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(4096, 1);
    const times: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        writeSync(fd, block, 0, block.length, (growing ? i : i % 16) * 4096);
        fsyncSync(fd);
        times.push(performance.now() - started);
      }
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
    return times.sort((a, b) => a - b)[100] as number;
  };
  return { rewriteMs: probe(false), appendMs: probe(true) };
}

/** Run another benchmark script as it runs alone; its figures come back through BENCH_JSON. */
async function runChild(script: string, env: Record<string, string>, nodeArgs: string[] = []) {
  const file = join(tmpdir(), `custos-bench-${process.pid}-${script.replace(/\W/g, '_')}.json`);
  const run = await runToCompletion([...nodeArgs, '--import', 'tsx', join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...process.env, ...env, BENCH_JSON: file },
  });
  if (run.exitCode !== 0) throw new Error(`${script} failed (exit code ${run.exitCode})`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rmSync(file, { force: true });
  return { results, markdown: run.stdout };
}

async function main(): Promise<number> {
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'custos-bench-all-'));
  process.once('exit', () => {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const csv = join(scratch, 'customers.csv');
  note(`writing ${CUSTOMERS.toLocaleString('en')} synthetic customers`);
  await writeCustomerCsv(csv, CUSTOMERS, SEED);
  const databases: DatabaseRun[] = [];
  for (const database of DATABASES)
    databases.push(await runDatabase(database as 'sqlite' | 'postgres', scratch, csv));
  const results: RunResults = {
    startedAt: new Date(started).toISOString(),
    databases,
    duration: DURATION,
    fsync: fsyncMedianMs(scratch),
  };
  if (!SKIP.has('ledger')) {
    note('the ledger benchmark (appends against raw inserts, inclusion proofs)');
    results.ledger = (
      await runChild('bench/ledger.bench.ts', {
        BENCH_APPENDS: String(envInt('BENCH_LEDGER_APPENDS', 200_000)),
        BENCH_ROUNDS: String(envInt('BENCH_LEDGER_ROUNDS', 3)),
        BENCH_PROOF_ENTRIES: String(envInt('BENCH_PROOF_ENTRIES', 10_000_000)),
      })
    ).results;
  }
  if (!SKIP.has('watch')) {
    note('the watcher benchmark');
    results.watch = (
      await runChild('bench/watch.bench.ts', { BENCH_ROUNDS: String(envInt('BENCH_WATCH_ROUNDS', 4)) }, [
        '--expose-gc',
      ])
    ).results;
  }
  results.wallSeconds = (Date.now() - started) / 1000;
  const failures = databases.flatMap((d) => d.failures);
  writeRunReport(results, process.env.BENCH_DOC ?? join(repoRoot, 'docs/PERFORMANCE.md'));
  if (failures.length === 0) return 0;
  note(`BENCHMARK FAILED:\n${failures.join('\n')}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    note(`BENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
