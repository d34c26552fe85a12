/**
 * The vault benchmark (`npm run bench:vault`): how fast Custos serves and imports customers.
 *
 * In one run it measures, over real HTTP with autocannon:
 *   (a) a plain Fastify hello-world route, the baseline;
 *   (b) the masked `GET /v1/cases/:caseId/customer`, over cases opened for random imported customers;
 *   (c) the blind-index search `POST /v1/customers/search` by phone, for random phones that exist;
 * and (d) the time to import N synthetic customers through the real `custos import` CLI.
 *
 * Absolute figures on a shared machine are noise, so (b) and (c) are reported as ratios to (a) measured
 * seconds before on the same machine. Each server runs alone in a child process; the load comes from this
 * process. The output is a Markdown section for docs/PERFORMANCE.md. Any non-2xx answer, connection
 * error, wrong answer or rejected import row makes the run fail loudly with a non-zero exit code.
 *
 * Environment: BENCH_CUSTOMERS (default 1,000,000), BENCH_DURATION (seconds per scenario, default 10),
 * BENCH_CONNECTIONS (default 20), BENCH_IMPORT_ONLY (set: measure the import, then stop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  commandLine,
  custosCli,
  custosProcess,
  envInt,
  measureBaseline,
  note,
  pickFrom,
} from './support/bench-setup.ts';
import { type ChildOptions, killAll, runToCompletion, startServer } from './support/child-processes.ts';
import { type LoadSettings, measure, problemsOf } from './support/load.ts';
import { formatReport, type ImportTiming } from './support/report.ts';
import { samplePhones, writeCustomerCsv } from './support/synthetic-csv.ts';
import { fetchSend, signInStaff } from '../test/support/staff-session.ts';

const SEED = 2017;
/** How many distinct ids and phones the requests are drawn from. */
const SAMPLE = 10_000;

async function importCustomers(csv: string, custos: ChildOptions, customers: number, failures: string[]) {
  const started = performance.now();
  const run = await runToCompletion([custosCli, 'import', csv], custos);
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = /Imported (\d+) customers in ([\d.]+) s; rejected (\d+) rows/.exec(run.stdout);
  if (!summary || (run.exitCode !== 0 && run.exitCode !== 3))
    throw new Error(`custos import failed (exit code ${run.exitCode}):\n${run.stdout}`);
  const [imported, reportedSeconds, rejected] = summary.slice(1).map(Number) as [number, number, number];
  if (imported !== customers || rejected > 0)
    failures.push(`import: ${imported} of ${customers} rows imported, ${rejected} rejected`);
  const timing: ImportTiming = { customers, wallSeconds, reportedSeconds };
  return timing;
}

async function createAdminToken(custos: ChildOptions): Promise<string> {
  const run = await runToCompletion([custosCli, 'token', 'create', '--label', 'benchmark'], custos);
  const token = /\bcst_\S+/.exec(run.stdout)?.[0];
  if (run.exitCode !== 0 || !token) throw new Error(`custos token create failed (exit code ${run.exitCode})`);
  return token;
}

/** Random ids of stored customers, read straight from the SQLite file. */
function sampleCustomerIds(dataDir: string, sample: number): string[] {
  const db = new Database(join(dataDir, 'custos.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id FROM customers ORDER BY random() LIMIT ?').pluck().all(sample) as string[];
  } finally {
    db.close();
  }
}

async function measureVault(
  custos: ChildOptions,
  token: string,
  ids: string[],
  phones: string[],
  load: LoadSettings,
) {
  const server = await startServer([custosCli, 'serve'], custos);
  // Customer routes need a staff member signed in with both factors: invited with the admin token.
  const send = fetchSend(server.url);
  const staff = await signInStaff(send, token);
  const headers = { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' };
  try {
    // Searches are quota-limited per hour (60 for support): an administrator asks for a raise for the
    // load, and security approves it (nobody raises a quota alone).
    const admin = await signInStaff(send, token, { role: 'admin' });
    const asked = await send(
      'PUT',
      `/v1/staff/${staff.staffId}/quotas/search_hour`,
      { max: 100_000 },
      { authorization: `Bearer ${admin.token}` },
    );
    if (asked.status !== 202) throw new Error(`quota raise: HTTP ${asked.status}`);
    const security = await signInStaff(send, token, { role: 'security' });
    const lifted = await send(
      'POST',
      `/v1/quota-raises/${(asked.body as { id: string }).id}/approve`,
      undefined,
      { authorization: `Bearer ${security.token}` },
    );
    if (lifted.status !== 200) throw new Error(`quota raise approval: HTTP ${lifted.status}`);
    // Staff reach a customer only through a case: open one for each of a sample of customers.
    const caseIds: string[] = [];
    for (const customerId of ids.slice(0, 500)) {
      const opened = await send(
        'POST',
        '/v1/cases',
        { customerId, purpose: 'repair', channel: 'counter' },
        headers,
      );
      if (opened.status !== 201) throw new Error(`open case: HTTP ${opened.status}`);
      caseIds.push((opened.body as { id: string }).id);
    }
    note(`measuring GET /v1/cases/:caseId/customer at ${server.url}`);
    const get = await measure(
      {
        name: 'GET /v1/cases/:caseId/customer (masked)',
        url: server.url,
        method: 'GET',
        headers,
        nextRequest: () => ({ path: `/v1/cases/${pickFrom(caseIds)}/customer` }),
      },
      load,
    );
    note(`measuring POST /v1/customers/search at ${server.url}`);
    const search = await measure(
      {
        name: 'POST /v1/customers/search (by phone)',
        url: server.url,
        method: 'POST',
        headers,
        nextRequest: () => ({
          path: '/v1/customers/search',
          body: JSON.stringify({ by: 'phone', value: pickFrom(phones) }),
        }),
        isWrongAnswer: (body) => body.includes('"results":[]'),
      },
      load,
    );
    if (problemsOf(get) || problemsOf(search)) note(`the Custos server's last output:\n${server.output()}`);
    return [get, search];
  } finally {
    await server.stop();
  }
}

async function main(): Promise<number> {
  const customers = envInt('BENCH_CUSTOMERS', 1_000_000);
  const load: LoadSettings = {
    connections: envInt('BENCH_CONNECTIONS', 20),
    durationSeconds: envInt('BENCH_DURATION', 10),
    warmupSeconds: 2,
  };
  const scratch = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  const cleanUp = () => {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  const custos = custosProcess(join(scratch, 'data'));
  const csv = join(scratch, 'customers.csv');
  const failures: string[] = [];
  note(`writing ${customers} synthetic customers to ${csv}`);
  await writeCustomerCsv(csv, customers, SEED);
  note('importing them with `custos import`');
  const importTiming = await importCustomers(csv, custos, customers, failures);
  if (process.env.BENCH_IMPORT_ONLY) {
    const { wallSeconds, reportedSeconds } = importTiming;
    process.stdout.write(
      `Import (\`${commandLine('bench:vault')}\`): ${customers.toLocaleString('en')} customers in ` +
        `${reportedSeconds.toFixed(1)} s (${wallSeconds.toFixed(1)} s with start-up)` +
        `${failures.length > 0 ? `; FAILED: ${failures.join('; ')}` : ''}\n`,
    );
    return failures.length === 0 ? 0 : 1;
  }
  const token = await createAdminToken(custos);
  const ids = sampleCustomerIds(join(scratch, 'data'), SAMPLE);
  const phones = samplePhones(customers, SEED, SAMPLE);

  const baseline = await measureBaseline(load);
  const scenarios = await measureVault(custos, token, ids, phones, load);
  for (const m of [baseline, ...scenarios]) {
    const problems = problemsOf(m);
    if (problems) failures.push(`${m.scenario}: ${problems}`);
  }
  process.stdout.write(
    formatReport({
      command: commandLine('bench:vault'),
      customers,
      load,
      baseline,
      scenarios,
      importTiming,
      failures,
    }),
  );
  if (failures.length === 0) return 0;
  note(`BENCHMARK FAILED: ${failures.length} problem(s); the figures above are not valid:`);
  for (const failure of failures) note(`  ${failure}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    note(`BENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
