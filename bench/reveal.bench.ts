/**
 * The reveal benchmark (`npm run bench:reveal`): how fast Custos serves the reveal path (DESIGN.md §2).
 *
 * In one run:
 *   (a) a plain Fastify hello-world route, the baseline, alone in a child process;
 *   (b) `POST /v1/cases/:caseId/reveal` {fields: ['phone']} on the real `custos serve`, alone in a child
 *       process, over real HTTP with autocannon: every request picks a random (clerk, case) pair, so that
 *       requests spread over BENCH_STAFF support clerks and all N customers;
 *   (c) the masked `GET /v1/cases/:caseId/customer` the same way;
 *   (d) in this process, µs per access decision for the reveal query: `policy.decide` (memoised) against
 *       `policy.decideUncached` (a Cedar evaluation every time);
 *   (e) in this process, one Custos on a scratch SQLite: what one reveal does — database queries and ledger
 *       appends per reveal, and the mean time of each stage over sequential reveals.
 *
 * Setup goes through the API as people would: customers come from `custos import`, an admin API token
 * from `custos token create`; an `admin` staff member asks for the clerks' reveal quotas raised and a
 * `security` one approves (the defaults allow 15 distinct customers an hour), and every clerk opens repair
 * cases for its share of the customers.
 * Sessions are stepped up at sign-in for five minutes: the clerks sign in right before (b) and (c), and
 * the run fails if the measurements end outside that window. Any non-2xx answer, connection error or
 * answer without the revealed phone fails the run loudly with a non-zero exit code.
 *
 * Environment: BENCH_CUSTOMERS (default 2,000), BENCH_DURATION (seconds per scenario, default 8),
 * BENCH_CONNECTIONS (default 20), BENCH_STAFF (clerks; default = connections), BENCH_CPU_PROF (a directory:
 * the Custos server writes a V8 CPU profile of its whole life there).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { type Custos, createCustos } from '../src/app.ts';
import type { AccessQuery } from '../src/access/policy/access-query.ts';
import { defaultPolicies } from '../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../src/access/policy/policy-engine.ts';
import { buildServer } from '../src/http/server.ts';
import { systemActor } from '../src/platform/actor.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
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
import { type LoadSettings, type Measurement, measure, problemsOf } from './support/load.ts';
import { writeCustomerCsv } from './support/synthetic-csv.ts';
import { fetchSend, type Send, signInStaff } from '../test/support/staff-session.ts';

const SEED = 2017;
const STEP_UP_WINDOW_MS = 5 * 60_000;
const REVEAL_QUOTAS = ['reveal_hour', 'reveal_day', 'reveal_week'] as const;
const QUOTA_MAX = 100_000;
const REASON = 'customer asked at the counter';

/** Run `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function expectStatus(r: { status: number; body: unknown }, status: number, what: string) {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
}

// ─── Load ─────────────────────────────────────────────────────────────────────────────────────────────

// ─── (a) baseline; (b), (c) Custos over HTTP ──────────────────────────────────────────────────────────

interface Work {
  token: string;
  caseId: string;
}

/**
 * Calls from each customer taken by the clerk of their case, written into the database the way the telephony
 * integration's reports are stored (without their ledger entries, which the reveal path never reads): the
 * reveals have `inbound_call` evidence, so they are not staff-initiated and not held to that small budget.
 */
function recordCalls(dbPath: string, calls: Array<{ customerId: string; staffId: string }>): void {
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare(
    'INSERT INTO inbound_calls (id, customer_id, agent_staff_id, at, reported_by) VALUES (?, ?, ?, ?, ?)',
  );
  const at = Date.now();
  db.transaction(() => {
    for (const call of calls) insert.run(randomUUID(), call.customerId, call.staffId, at, 'benchmark');
  })();
  db.close();
}

/** Clerks signed in, with raised reveal quotas and a repair case for each of their customers. */
async function prepare(
  send: Send,
  adminToken: string,
  customerIds: string[],
  staffCount: number,
  dbPath: string,
) {
  const admin = await signInStaff(send, adminToken, { role: 'admin' });
  const adminAuth = { authorization: `Bearer ${admin.token}` };
  // Raises above the role's defaults are asked for by an administrator and approved by security.
  const security = await signInStaff(send, adminToken, { role: 'security' });
  const securityAuth = { authorization: `Bearer ${security.token}` };
  note(`signing in ${staffCount} support clerks`);
  const clerks: Array<{ token: string; staffId: string }> = [];
  await inParallel(
    Array.from({ length: staffCount }, (_, i) => i),
    4,
    async () => {
      clerks.push(await signInStaff(send, adminToken, { role: 'support' }));
    },
  );
  const signedInAt = Date.now();
  await inParallel(clerks, 8, async (clerk) => {
    for (const quota of REVEAL_QUOTAS) {
      const url = `/v1/staff/${clerk.staffId}/quotas/${quota}`;
      const asked = expectStatus(
        await send('PUT', url, { max: QUOTA_MAX }, adminAuth),
        202,
        `raise ${quota}`,
      );
      const approve = `/v1/quota-raises/${(asked as { id: string }).id}/approve`;
      expectStatus(await send('POST', approve, undefined, securityAuth), 200, `approve ${quota}`);
    }
  });
  note(`opening ${customerIds.length} repair cases`);
  const work: Work[] = [];
  const calls: Array<{ customerId: string; staffId: string }> = [];
  await inParallel(
    customerIds.map((customerId, i) => ({
      customerId,
      clerk: clerks[i % clerks.length] as (typeof clerks)[0],
    })),
    staffCount,
    async ({ customerId, clerk }) => {
      const opened = expectStatus(
        await send(
          'POST',
          '/v1/cases',
          { customerId, purpose: 'repair', channel: 'counter' },
          { authorization: `Bearer ${clerk.token}` },
        ),
        201,
        'open case',
      );
      work.push({ token: clerk.token, caseId: opened.id as string });
      calls.push({ customerId, staffId: clerk.staffId });
    },
  );
  recordCalls(dbPath, calls);
  return { work, signedInAt };
}

async function measureCustos(
  custos: ChildOptions,
  adminToken: string,
  customerIds: string[],
  load: LoadSettings,
  dbPath: string,
) {
  const profileDir = process.env.BENCH_CPU_PROF;
  const args = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const server = await startServer([...args, custosCli, 'serve'], custos);
  try {
    const send = fetchSend(server.url);
    const staffCount = envInt('BENCH_STAFF', load.connections);
    const setupStarted = performance.now();
    const { work, signedInAt } = await prepare(send, adminToken, customerIds, staffCount, dbPath);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const targetOf = (w: Work, path: string, body?: string) => ({
      headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' },
      path,
      body,
    });
    const revealBody = JSON.stringify({ fields: ['phone'], reason: REASON });
    note(`measuring POST /v1/cases/:caseId/reveal at ${server.url}`);
    const reveal = await measure(
      {
        name: "POST /v1/cases/:caseId/reveal {fields: ['phone']}",
        url: server.url,
        method: 'POST',
        nextRequest: () => {
          const w = pickFrom(work);
          return targetOf(w, `/v1/cases/${w.caseId}/reveal`, revealBody);
        },
        isWrongAnswer: (body) => !/"revealed":\{"phone":"\+/.test(body),
      },
      load,
    );
    note(`measuring GET /v1/cases/:caseId/customer at ${server.url}`);
    const masked = await measure(
      {
        name: 'GET /v1/cases/:caseId/customer (masked)',
        url: server.url,
        method: 'GET',
        nextRequest: () => {
          const w = pickFrom(work);
          return targetOf(w, `/v1/cases/${w.caseId}/customer`);
        },
      },
      load,
    );
    const elapsed = Date.now() - signedInAt;
    const failures: string[] = [];
    if (elapsed > STEP_UP_WINDOW_MS)
      failures.push(
        `the measurements ended ${Math.round(elapsed / 1000)} s after sign-in: step-up had expired`,
      );
    if (problemsOf(reveal) || problemsOf(masked))
      note(`the Custos server's last output:\n${server.output()}`);
    return { scenarios: [reveal, masked], failures, setupSeconds, staffCount, cases: work.length };
  } finally {
    await server.stop();
  }
}

// ─── (d) µs per access decision ───────────────────────────────────────────────────────────────────────

/** What the reveal path asks for `phone` on an assigned open repair case (access/reveal/reveal.service.ts). */
const revealQuery: AccessQuery = {
  role: 'support',
  action: 'reveal',
  fieldClass: 'contact',
  field: 'phone',
  caseRelation: 'assigned_open',
  purpose: 'repair',
  channel: 'counter',
  customerPresent: false,
  breakGlass: false,
  secondApprover: false,
  riskTier: 'normal',
};

function timeDecisions(decide: (q: AccessQuery) => { allow: boolean }, iterations: number): number {
  for (let i = 0; i < Math.min(500, iterations); i++) decide({ ...revealQuery });
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (decide({ ...revealQuery }).allow) allowed++;
  const micros = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  if (allowed !== iterations) throw new Error('the reveal query was not allowed');
  return micros;
}

function measureDecisions() {
  // The engine app.ts builds, over the same default policy set.
  const policy = createPolicyEngine({ policies: defaultPolicies });
  const uncachedIterations = 5_000;
  const cachedIterations = 200_000;
  const uncached = timeDecisions(policy.decideUncached, uncachedIterations);
  const cached = timeDecisions(policy.decide, cachedIterations);
  return { cached, uncached, cachedIterations, uncachedIterations };
}

// ─── (e) one reveal, taken apart ──────────────────────────────────────────────────────────────────────

interface Stage {
  name: string;
  calls: number;
  totalMs: number;
}

/** Wrap `object[method]` (the object the services hold) to time every call. */
function timeMethod(stages: Stage[], name: string, object: object, method: string): void {
  const target = object as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method] as (...args: unknown[]) => unknown;
  const stage: Stage = { name, calls: 0, totalMs: 0 };
  stages.push(stage);
  target[method] = async function timed(this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      stage.calls++;
      stage.totalMs += performance.now() - started;
    }
  };
}

/** Count every query Kysely runs (all executors, transactions included) while `on` is set. */
function countQueries(custos: Custos) {
  const counter = { on: false, count: 0, statements: new Map<string, number>() };
  let proto: object | null = custos.database.db.getExecutor();
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'executeQuery'))
    proto = Object.getPrototypeOf(proto);
  if (!proto) throw new Error('no executeQuery on the Kysely executor');
  const owner = proto as { executeQuery: (q: { sql: string }, ...rest: unknown[]) => unknown };
  const original = owner.executeQuery;
  owner.executeQuery = function counted(this: unknown, q: { sql: string }, ...rest: unknown[]) {
    if (counter.on) {
      counter.count++;
      const head = q.sql.replace(/\s+/g, ' ').slice(0, 60);
      counter.statements.set(head, (counter.statements.get(head) ?? 0) + 1);
    }
    return original.call(this, q, ...rest);
  };
  return counter;
}

async function anatomy(scratch: string, reveals: number) {
  const dataDir = join(scratch, 'anatomy');
  const custos = await createCustos(
    loadConfig({
      CUSTOS_DATA_DIR: dataDir,
      CUSTOS_DEMO: 'false',
      CUSTOS_LOG_LEVEL: 'silent',
      CUSTOS_RISK_THRESHOLDS: '101,101,101',
    }),
    { logger: createLogger('silent') },
  );
  let app: FastifyInstance | undefined;
  try {
    const { adminToken } = await custos.initialise();
    const stages: Stage[] = [];
    // Before buildServer: the routes capture principalOf when they are built.
    timeMethod(stages, 'session lookup (authenticate)', custos.identity.sessions, 'authenticate');
    timeMethod(stages, 'principal (staff row)', custos.access, 'principalOf');
    timeMethod(stages, 'case + assignees (contextFor)', custos.access.cases, 'contextFor');
    timeMethod(stages, 'quota check (reserveReveal)', custos.access.quotas, 'reserveReveal');
    timeMethod(stages, 'prepareReveal (customer row + DEK unwrap)', custos.vault, 'prepareReveal');
    timeMethod(stages, 'ledger append (group commit, fsync)', custos.ledger, 'append');
    timeMethod(stages, 'whole reveal service call', custos.access.reveals, 'reveal');
    const built = await buildServer(custos.server());
    app = built;
    const send: Send = async (method, url, body, headers) => {
      const res = await built.inject({ method: method as 'POST', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    const clerk = await signInStaff(send, adminToken as string, { role: 'support' });
    const auth = { authorization: `Bearer ${clerk.token}` };
    const caseIds: string[] = [];
    // Ten customers: within the default quota of 15 distinct customers an hour.
    for (let i = 0; i < 10; i++) {
      const customer = await custos.vault.createCustomer(systemActor, {
        name: `Anatomy Customer ${i}`,
        phone: `+86 139 ${String(10_000_000 + i * 7919).slice(0, 8)}`,
        email: `anatomy${i}@example.com`,
      });
      const opened = expectStatus(
        await send(
          'POST',
          '/v1/cases',
          { customerId: customer.id, purpose: 'repair', channel: 'counter' },
          auth,
        ),
        201,
        'open case',
      );
      caseIds.push(opened.id as string);
      // A call from the customer, taken by the clerk (as in recordCalls): not a staff-initiated reveal.
      await custos.database.db
        .insertInto('inbound_calls')
        .values({
          id: randomUUID(),
          customer_id: customer.id,
          agent_staff_id: clerk.staffId,
          at: Date.now(),
          reported_by: 'benchmark',
        })
        .execute();
    }
    const counter = countQueries(custos);
    const revealOnce = async (i: number) =>
      expectStatus(
        await send(
          'POST',
          `/v1/cases/${caseIds[i % caseIds.length]}/reveal`,
          { fields: ['phone'], reason: REASON },
          auth,
        ),
        200,
        'reveal',
      );
    for (let i = 0; i < 20; i++) await revealOnce(i); // warm-up
    for (const stage of stages) Object.assign(stage, { calls: 0, totalMs: 0 });
    counter.on = true;
    const started = performance.now();
    for (let i = 0; i < reveals; i++) await revealOnce(i);
    const wallMs = performance.now() - started;
    counter.on = false;
    return {
      reveals,
      wallMsPerReveal: wallMs / reveals,
      queriesPerReveal: counter.count / reveals,
      statements: [...counter.statements].map(([sql, n]) => ({ sql, perReveal: n / reveals })),
      stages: stages.map((s) => ({
        name: s.name,
        perReveal: s.calls / reveals,
        msPerCall: s.totalMs / Math.max(1, s.calls),
      })),
    };
  } finally {
    await app?.close();
    await custos.close();
  }
}

// ─── Report ───────────────────────────────────────────────────────────────────────────────────────────

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const millis = (ms: number) => (ms < 1 ? '< 1' : String(ms));

function row(m: Measurement, baseline: Measurement): string {
  const problems = problemsOf(m);
  const name = problems ? `${m.scenario} (**${problems}**)` : m.scenario;
  const ratio = m.requestsPerSecond / baseline.requestsPerSecond;
  return `| ${name} | ${integer.format(m.requestsPerSecond)} | ${millis(m.p50Ms)} | ${millis(m.p99Ms)} | ${decimal.format(ratio)} |`;
}

async function main(): Promise<number> {
  const customers = envInt('BENCH_CUSTOMERS', 2_000);
  const load: LoadSettings = {
    connections: envInt('BENCH_CONNECTIONS', 20),
    durationSeconds: envInt('BENCH_DURATION', 8),
    warmupSeconds: 2,
  };
  const scratch = mkdtempSync(join(tmpdir(), 'custos-bench-reveal-'));
  process.once('exit', () => {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  const dataDir = join(scratch, 'data');
  const custos = custosProcess(dataDir);
  const csv = join(scratch, 'customers.csv');
  note(`importing ${customers} synthetic customers with \`custos import\``);
  await writeCustomerCsv(csv, customers, SEED);
  const imported = await runToCompletion([custosCli, 'import', csv], custos);
  if (imported.exitCode !== 0) throw new Error(`custos import failed (exit code ${imported.exitCode})`);
  const tokenRun = await runToCompletion([custosCli, 'token', 'create', '--label', 'benchmark'], custos);
  const adminToken = /\bcst_\S+/.exec(tokenRun.stdout)?.[0];
  if (tokenRun.exitCode !== 0 || !adminToken) throw new Error('custos token create failed');
  const db = new Database(join(dataDir, 'custos.db'), { readonly: true, fileMustExist: true });
  const customerIds = db.prepare('SELECT id FROM customers').pluck().all() as string[];
  db.close();
  if (customerIds.length !== customers) throw new Error(`${customerIds.length} of ${customers} imported`);

  const baseline = await measureBaseline(load);
  const http = await measureCustos(custos, adminToken, customerIds, load, join(dataDir, 'custos.db'));
  note('timing access decisions in-process');
  const decisions = measureDecisions();
  note('taking one reveal apart in-process');
  const parts = await anatomy(scratch, 300);

  const failures = [...http.failures];
  for (const m of [baseline, ...http.scenarios]) {
    const problems = problemsOf(m);
    if (problems) failures.push(`${m.scenario}: ${problems}`);
  }
  const [reveal] = http.scenarios as [Measurement, Measurement];
  const ratio = reveal.requestsPerSecond / baseline.requestsPerSecond;
  const lines = [
    `### Reveal benchmark, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `- Command: \`${commandLine('bench:reveal')}\``,
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version}; CPU: ${cpus()[0]?.model.trim() ?? 'unknown'} × ${cpus().length}`,
    `- Customers (N): ${integer.format(customers)}, one repair case each, spread over ${http.staffCount} ` +
      `support clerks with reveal quotas raised to ${integer.format(QUOTA_MAX)} (setup ${http.setupSeconds.toFixed(1)} s)`,
    `- Load: autocannon, ${load.connections} connections, ${load.durationSeconds} s per scenario after a ` +
      `${load.warmupSeconds} s warm-up; each request a random (clerk, case); each server alone in a child process`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio to hello-world |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(baseline, baseline),
    ...http.scenarios.map((m) => row(m, baseline)),
    '',
    `Reveal ratio ${decimal.format(ratio)} against the target of 0.50: **${ratio >= 0.5 ? 'met' : 'not met'}**.`,
    '',
    '| access decision (reveal, contact field, in-process) | µs per decision |',
    '| --- | ---: |',
    `| \`policy.decide\` (memoised), ${integer.format(decisions.cachedIterations)} calls | ${decisions.cached.toFixed(3)} |`,
    `| \`policy.decideUncached\` (Cedar), ${integer.format(decisions.uncachedIterations)} calls | ${decisions.uncached.toFixed(1)} |`,
    '',
    `One reveal taken apart (in-process, SQLite, ${parts.reveals} sequential reveals through app.inject, ` +
      `${parts.wallMsPerReveal.toFixed(2)} ms each; ${parts.queriesPerReveal.toFixed(1)} Kysely queries per ` +
      'reveal, plus the ledger batch on the native connection):',
    '',
    '| stage | calls per reveal | ms per call |',
    '| --- | ---: | ---: |',
    ...parts.stages.map((s) => `| ${s.name} | ${s.perReveal.toFixed(2)} | ${s.msPerCall.toFixed(3)} |`),
    '',
    '| statement (first 60 characters) | per reveal |',
    '| --- | ---: |',
    ...parts.statements.map((s) => `| \`${s.sql.replaceAll('|', '\\|')}\` | ${s.perReveal.toFixed(2)} |`),
  ];
  if (failures.length > 0)
    lines.push('', '**THIS RUN HAD ERRORS; its figures are not valid:**', ...failures.map((f) => `- ${f}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length === 0) return 0;
  note(`BENCHMARK FAILED: ${failures.length} problem(s); the figures above are not valid`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    note(`BENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
