/**
 * The access-decision benchmark (`npm run bench:decision`): what one policy decision costs on the reveal
 * path, uncached (a Cedar evaluation against the preparsed default set) and cached (the engine's memoised
 * answer), over a realistic mix of queries — mostly frontline staff viewing and revealing on assigned
 * cases, with searches, case openings, break-glass, administrative acts and the odd out-of-policy attempt.
 * Output: a Markdown section for docs/PERFORMANCE.md; the ratio is the figure to compare.
 *
 * Environment: BENCH_UNCACHED (default 20,000 evaluations), BENCH_CACHED (default 2,000,000 decisions).
 */
import { cpus } from 'node:os';
import type { AccessQuery } from '../src/access/policy/access-query.ts';
import { defaultPolicies } from '../src/access/policy/default-policies.ts';
import { createPolicyEngine } from '../src/access/policy/policy-engine.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
}

const UNCACHED = envInt('BENCH_UNCACHED', 20_000);
const CACHED = envInt('BENCH_CACHED', 2_000_000);
const note = (m: string) => process.stderr.write(`[bench] ${m}\n`);

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(next: () => number, choices: Array<[T, number]>): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let r = next() * total;
  for (const [value, w] of choices) if ((r -= w) < 0) return value;
  return (choices[choices.length - 1] as [T, number])[0];
}

/** One query of a working day: who asks, what, on which case. */
function workdayQuery(next: () => number): AccessQuery {
  const role = weighted(next, [
    ['store', 40],
    ['support', 35],
    ['contractor', 15],
    ['marketing', 3],
    ['security', 4],
    ['admin', 3],
  ] as const);
  const action = ['marketing', 'security', 'admin'].includes(role)
    ? weighted(next, [
        ['aggregate', 2],
        ['ledger_read', 2],
        ['alert_read', 2],
        ['export_request', 1],
        ['export_approve', 1],
        ['staff_manage', 1],
        ['policy_edit', 1],
        ['view', 1],
      ] as const)
    : weighted(next, [
        ['reveal', 50],
        ['view', 30],
        ['search', 10],
        ['case_open', 6],
        ['break_glass', 1],
      ] as const);
  const purpose = weighted(next, [
    ['repair', 30],
    ['billing', 20],
    ['delivery', 15],
    ['complaint', 10],
    ['identity_check', 15],
    ['account_recovery', 10],
  ] as const);
  return {
    role,
    action,
    fieldClass: weighted(next, [
      ['basic', 40],
      ['contact', 35],
      ['identifier', 15],
      ['sensitive', 10],
    ] as const),
    caseRelation: weighted(next, [
      ['assigned_open', 85],
      ['unassigned', 5],
      ['closed', 4],
      ['expired', 3],
      ['none', 3],
    ] as const),
    purpose,
    channel: weighted(next, [
      ['counter', 45],
      ['customer_call', 35],
      ['portal_request', 15],
      ['staff_initiated', 5],
    ] as const),
    customerPresent: next() < 0.7,
    breakGlass: next() < 0.01,
    secondApprover: next() < 0.1,
    riskTier: weighted(next, [
      ['normal', 90],
      ['elevated', 7],
      ['high', 2],
      ['critical', 1],
    ] as const),
  };
}

function timePerCall(queries: AccessQuery[], calls: number, decide: (q: AccessQuery) => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) decide(queries[i % queries.length] as AccessQuery);
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

const next = random(42);
const queries = Array.from({ length: 100_000 }, () => workdayQuery(next));
const engine = createPolicyEngine({ policies: defaultPolicies });

note('warming up (Cedar tiers up its WebAssembly over the first thousand calls)');
timePerCall(queries, 3000, engine.decideUncached);
note(`${UNCACHED} uncached decisions`);
const uncachedUs = timePerCall(queries, UNCACHED, engine.decideUncached);
let allowed = 0;
for (const q of queries) if (engine.decide(q).allow) allowed++;
const { size } = engine.cacheStats();
note(`${CACHED} cached decisions`);
timePerCall(queries, 200_000, engine.decide);
const cachedUs = timePerCall(queries, CACHED, engine.decide);
const stats = engine.cacheStats();
const hitRate = stats.hits / (stats.hits + stats.misses);

const fmt = (n: number, digits = 2) => n.toFixed(digits);
process.stdout.write(`## Access decisions (\`npm run bench:decision\`)

Default policy set (${Object.keys(createPolicyEngine.validatePolicies(defaultPolicies).byId).length} policies), ${queries.length.toLocaleString('en-GB')} queries of a working-day mix (${fmt((allowed / queries.length) * 100, 0)} % allowed; ${size} distinct keys), Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}.

| decision | µs per decision | decisions/s |
| --- | ---: | ---: |
| uncached (Cedar \`statefulIsAuthorized\`, request validated) | ${fmt(uncachedUs)} | ${Math.round(1e6 / uncachedUs).toLocaleString('en-GB')} |
| cached (memoised by query key; ${fmt(hitRate * 100, 1)} % hits) | ${fmt(cachedUs, 3)} | ${Math.round(1e6 / cachedUs).toLocaleString('en-GB')} |

Ratio uncached / cached: **${Math.round(uncachedUs / cachedUs).toLocaleString('en-GB')}×**.
`);
