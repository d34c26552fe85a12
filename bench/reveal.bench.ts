/**
 * One reveal taken apart (`npm run bench:reveal`), in this process: (a) µs per access decision for the reveal
 * query, `policy.decide` (memoised) against `policy.decideUncached` (a Cedar evaluation each time); (b) one Custos
 * on a scratch SQLite: database queries per reveal and the mean time of each stage over sequential reveals, each
 * reveal on a case the customer started by calling the clerk (reported by the telephony integration). Reveals
 * over HTTP against hello-world and a plain CRM are `npm run bench` (bench/bench.ts).
 *
 * Environment: BENCH_REVEALS (sequential reveals timed, default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Custos, createCustos } from '../src/app.ts';
import type { AccessQuery } from '../src/access/policy/access-query.ts';
import { defaultPolicies } from '../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../src/access/policy/policy-engine.ts';
import { buildServer } from '../src/http/server.ts';
import { systemActor } from '../src/platform/actor.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { commandLine, envInt, note } from './support/bench-setup.ts';
import { type Send, signInStaff } from '../test/support/staff-session.ts';
import { expectStatus } from './support/staff-workload.ts';

const REASON = 'customer asked on the phone';

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
  const counter = {
    on: false,
    count: 0,
    statements: new Map<string, number>(),
    /** Synchronous time inside SQLite per statement (all connections of this process's main thread). */
    nativeMs: new Map<string, number>(),
  };
  const native = custos.database.sqlite;
  if (native) {
    const statement = Object.getPrototypeOf(native.prepare('select 1')) as Record<string, unknown> & {
      source?: string;
    };
    for (const method of ['all', 'get', 'run'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown;
      statement[method] = function timed(this: { source: string }, ...args: unknown[]) {
        if (!counter.on) return original.apply(this, args);
        const started = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          const head = this.source.replace(/\s+/g, ' ').slice(0, 60);
          counter.nativeMs.set(head, (counter.nativeMs.get(head) ?? 0) + performance.now() - started);
        }
      };
    }
  }
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
    const telephony = await custos.identity.apiTokens.createOperatorToken({
      label: 'telephony',
      scopes: ['telephony'],
    });
    // Ten customers: within the default quota of 15 distinct customers an hour. Each calls the clerk first.
    for (let i = 0; i < 10; i++) {
      const phone = `+86 139 ${String(10_000_000 + i * 7919).slice(0, 8)}`;
      const customer = await custos.vault.createCustomer(systemActor, {
        name: `Anatomy Customer ${i}`,
        phone,
        email: `anatomy${i}@example.com`,
      });
      expectStatus(
        await send(
          'POST',
          '/v1/integrations/inbound-calls',
          { from: phone, agentStaffId: clerk.staffId },
          { authorization: `Bearer ${telephony.token}` },
        ),
        202,
        'inbound call',
      );
      const opened = expectStatus(
        await send(
          'POST',
          '/v1/cases',
          { customerId: customer.id, purpose: 'repair', channel: 'customer_call' },
          auth,
        ),
        201,
        'open case',
      );
      caseIds.push(opened.id as string);
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
      statements: [...counter.statements].map(([sql, n]) => ({
        sql,
        perReveal: n / reveals,
        usPerReveal: ((counter.nativeMs.get(sql) ?? 0) * 1000) / reveals,
      })),
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

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'custos-bench-reveal-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  note('timing access decisions in-process');
  const decisions = measureDecisions();
  note('taking one reveal apart in-process');
  const parts = await anatomy(scratch, envInt('BENCH_REVEALS', 300));
  const lines = [
    `### One reveal taken apart, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `- Command: \`${commandLine('bench:reveal')}\``,
    `- Node: ${process.version}; CPU: ${cpus()[0]?.model.trim() ?? 'unknown'} × ${cpus().length}`,
    '',
    '| access decision (reveal, contact field, in-process) | µs per decision |',
    '| --- | ---: |',
    `| \`policy.decide\` (memoised), ${integer.format(decisions.cachedIterations)} calls | ${decisions.cached.toFixed(3)} |`,
    `| \`policy.decideUncached\` (Cedar), ${integer.format(decisions.uncachedIterations)} calls | ${decisions.uncached.toFixed(1)} |`,
    '',
    `In-process, SQLite, ${parts.reveals} sequential reveals through app.inject, ` +
      `${parts.wallMsPerReveal.toFixed(2)} ms each; ${parts.queriesPerReveal.toFixed(1)} Kysely queries per ` +
      'reveal, plus the ledger batch on the native connection:',
    '',
    '| stage | calls per reveal | ms per call |',
    '| --- | ---: | ---: |',
    ...parts.stages.map((s) => `| ${s.name} | ${s.perReveal.toFixed(2)} | ${s.msPerCall.toFixed(3)} |`),
    '',
    '| statement (first 60 characters) | per reveal | µs in SQLite per reveal |',
    '| --- | ---: | ---: |',
    ...parts.statements.map(
      (s) =>
        `| \`${s.sql.replaceAll('|', '\\|')}\` | ${s.perReveal.toFixed(2)} | ${s.usPerReveal.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    note(`BENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
