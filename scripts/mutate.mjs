#!/usr/bin/env node
/**
 * Mutation testing of the security-critical code with StrykerJS 8 (the last major that runs on Node 20) and
 * its TAP runner over `node --test`: each module's source files are mutated, and only the test files that
 * cover a mutant run against it. Too slow for CI; run by hand and record the score in docs/TESTING.md.
 *
 *   npm run mutate                  # every module below, one after the other
 *   npm run mutate -- crypto        # one module
 *   npm run mutate -- crypto --concurrency 2
 *   npm run mutate -- approvals --mutate src/access/exports/exports.service.ts:346-405
 *
 * `--mutate` narrows one module's run to some of its files or line ranges (Stryker's `file:start-end`,
 * comma-separated), for a database-backed module whose whole run would take hours on a small machine.
 *
 * Reports: reports/mutation/<module>.html and .json. The sandbox lives in .stryker-tmp/ and is removed after.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stryker } from '@stryker-mutator/core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Module → the files mutated and the test files that may kill their mutants (both relative to the repo).
 * `pure`: unit tests only, no database; a mutant that runs over 5 s beyond the normal time is a timeout (an
 * endless loop), where the database suites get 30 s.
 */
export const modules = {
  crypto: {
    pure: true,
    mutate: [
      'src/crypto/aead.ts',
      'src/crypto/keyring.ts',
      'src/crypto/blind-index.ts',
      'src/crypto/token-hash.ts',
    ],
    tests: ['test/crypto/aead.test.ts', 'test/crypto/keyring.test.ts', 'test/crypto/normalise.test.ts'],
  },
  'ledger-proofs': {
    pure: true,
    mutate: ['src/ledger/proof-verification.ts', 'src/ledger/merkle-hash.ts', 'src/ledger/merkle-proofs.ts'],
    tests: [
      'test/ledger/proof-verification.test.ts',
      'test/ledger/merkle-hash.test.ts',
      'test/ledger/merkle-proofs.test.ts',
    ],
  },
  'ledger-verification': {
    // The per-entry checks (lookup columns against the signed header, redactions against retention) moved
    // out of verifier.ts into entry-check.ts and redaction-check.ts with the v2 leaf.
    mutate: [
      'src/ledger/verifier.ts',
      'src/ledger/entry-check.ts',
      'src/ledger/redaction-check.ts',
      'src/ledger/signed-note.ts',
      'src/ledger/checkpoint.ts',
    ],
    tests: [
      'test/ledger/tamper.test.ts',
      'test/ledger/leaf-formats.test.ts',
      'test/ledger/redaction-check.test.ts',
      // A redaction not covered by retention, made by hand (entry-check.ts's `redacted` flag): over HTTP.
      'test/ledger/redaction-forgery.test.ts',
      'test/ledger/ledger.test.ts',
      'test/ledger/signed-note.test.ts',
      'test/ledger/checkpoint.test.ts',
    ],
  },
  'second-factors': {
    pure: true,
    mutate: ['src/identity/second-factor/totp.ts', 'src/identity/second-factor/recovery-codes.ts'],
    tests: ['test/identity/second-factor/totp.test.ts', 'test/identity/second-factor/recovery-codes.test.ts'],
  },
  sessions: {
    mutate: ['src/identity/sessions/sessions.ts'],
    tests: ['test/identity/sessions/sessions.test.ts'],
  },
  reveal: {
    mutate: ['src/access/reveal/reveal.service.ts', 'src/vault/sealing.ts'],
    tests: [
      'test/access/reveal/reveal-path.test.ts',
      'test/access/reveal/reveal-ordering.test.ts',
      'test/vault/vault.service.test.ts',
      // The watcher's tiers and the evidence a reveal carries are decided in reveal.service.ts too.
      'test/watch/watcher.http.test.ts',
      'test/access/cases/inbound-calls.test.ts',
      'test/access/cases/portal-evidence.test.ts',
    ],
  },
  approvals: {
    mutate: ['src/access/exports/exports.service.ts', 'src/access/reveal/reveal-approvals.service.ts'],
    tests: ['test/access/exports/exports.test.ts', 'test/access/reveal/reveal-approvals.test.ts'],
  },
};

function options(name, concurrency, narrowed) {
  const { tests, pure } = modules[name];
  const mutate = narrowed ?? modules[name].mutate;
  return {
    mutate,
    testRunner: 'tap',
    plugins: ['@stryker-mutator/tap-runner'],
    tap: {
      testFiles: tests,
      nodeArgs: ['--import', 'tsx', '-r', '{{hookFile}}', '{{testFile}}'],
      forceBail: true,
    },
    coverageAnalysis: 'perTest',
    concurrency,
    timeoutMS: pure ? 5_000 : 30_000,
    tempDirName: '.stryker-tmp',
    cleanTempDir: false,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    thresholds: { high: 90, low: 75, break: null },
  };
}

/**
 * Tests read the shared vectors at `../shared` from the repository; in the sandbox (.stryker-tmp/sandbox-*)
 * that path is `.stryker-tmp/shared`, so it is linked there for the run.
 */
function linkSharedVectors() {
  const temp = join(repo, '.stryker-tmp');
  mkdirSync(temp, { recursive: true });
  const link = join(temp, 'shared');
  if (!existsSync(link)) symlinkSync(resolve(repo, '..', 'shared'), link);
  return () => {
    unlinkSync(link); // the link first, so that removing the sandbox never reaches the real directory
    rmSync(temp, { recursive: true, force: true });
  };
}

const args = process.argv.slice(2);
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const concurrency = Number(valueOf('--concurrency') ?? 1);
const narrowed = valueOf('--mutate')?.split(',');
const named = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const chosen = named.length === 0 ? Object.keys(modules) : named;
if (narrowed && chosen.length !== 1) {
  console.error('--mutate narrows one module: name it');
  process.exit(2);
}
for (const name of chosen) {
  if (!(name in modules)) {
    console.error(`unknown module ${name}: one of ${Object.keys(modules).join(', ')}`);
    process.exit(2);
  }
}

process.chdir(repo);
const scores = [];
for (const name of chosen) {
  const cleanup = linkSharedVectors();
  try {
    console.log(`\n# mutate ${name}: ${(narrowed ?? modules[name].mutate).join(', ')}`);
    const results = await new Stryker(options(name, concurrency, narrowed)).runMutationTest();
    const count = (status) => results.filter((r) => r.status === status).length;
    const killed = count('Killed') + count('Timeout');
    const survived = count('Survived');
    const noCoverage = count('NoCoverage');
    const valid = killed + survived + noCoverage;
    scores.push({ name, killed, survived, noCoverage, score: valid ? (100 * killed) / valid : 100 });
  } finally {
    cleanup();
  }
}
console.log('\nmodule | killed | survived | no coverage | score');
for (const s of scores) {
  console.log(`${s.name} | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.score.toFixed(1)}%`);
}
