/**
 * The `custos` commands. Each builds a Custos from the environment's config through the composition root,
 * does one job, prints a summary, and exits non-zero on failure with the error's code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Custos, createCustos, type InitialiseResult } from '../app.ts';
import { buildServer } from '../http/server.ts';
import { verifierFromKey } from '../ledger/ledger-key.ts';
import { verifyLedger } from '../ledger/verifier.ts';
import { runWitness } from '../ledger/witness/run-witness.ts';
import { systemActor } from '../platform/actor.ts';
import { loadConfig } from '../platform/config.ts';
import { CustosError } from '../platform/errors.ts';
import type { ImportSummary } from '../vault/import/importer.ts';
import { formatOf, type ImportFormat, openRecordSource } from '../vault/import/records.ts';
import { defaultWorkerCount } from '../vault/import/sealing-pool.ts';
import { progressBar } from './progress.ts';
import { simulate } from '../../sim/engine.ts';
import { writeReport } from '../../sim/report.ts';
import { verdicts } from '../../sim/targets.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function withCustos<T>(
  job: (custos: Custos) => Promise<T>,
  options: { logLevel?: string } = {},
): Promise<T> {
  const config = loadConfig();
  const custos = await createCustos(
    options.logLevel ? { ...config, logLevel: options.logLevel as never } : config,
  );
  try {
    return await job(custos);
  } finally {
    await custos.close();
  }
}

async function initialiseWithProgress(custos: Custos): Promise<InitialiseResult> {
  const total = custos.config.demo ? custos.config.demoCustomers : 0;
  const bar = total > 0 ? progressBar('Seeding demo customers', total, 'customers') : undefined;
  const result = await custos.initialise((s) => bar?.update(s.imported + s.rejected));
  bar?.stop();
  return result;
}

function reportInitialisation(result: InitialiseResult, custos: Custos): void {
  if (!result.created) return;
  out(`Initialised a new Custos installation in ${custos.config.dataDir}`);
  if (result.demo) {
    out(
      `Demo organisation: ${result.demo.staff} staff in 4 regions, ${result.demo.customers.imported} customers.`,
    );
  }
  out('');
  out('Admin API token (shown once, stored only as a hash; keep it safe):');
  out(`  ${result.adminToken}`);
  out(
    `  It makes the first administrators during setup (${custos.config.setupWindowHours} h, or until` +
      ' POST /v1/setup/complete); after that, admin and security need two administrators.',
  );
  out('');
}

export async function initCommand(): Promise<void> {
  await withCustos(
    async (custos) => {
      const result = await initialiseWithProgress(custos);
      if (!result.created) out(`Custos in ${custos.config.dataDir} was already initialised; nothing to do.`);
      reportInitialisation(result, custos);
    },
    { logLevel: 'warn' },
  );
}

export async function serveCommand(): Promise<void> {
  const custos = await createCustos(loadConfig());
  const result = await initialiseWithProgress(custos);
  reportInitialisation(result, custos);
  custos.start();
  const app = await buildServer(custos.server());
  const { host, port } = custos.config;
  const address = await app.listen({ host, port });
  out(`Custos is listening on ${address}`);
  out(`  API docs:  ${address}/docs`);
  out(`  Health:    ${address}/healthz`);
  out(
    `  Admin:     "Authorization: Bearer <admin token>"${result.created ? ' (printed above)' : ''} invites staff`,
  );
  out('             (POST /v1/staff/invitations); `npx custos token create` is break-glass (1 h, alerted).');
  out('  Staff:     accept the invitation, enrol TOTP, sign in: customer data needs both factors (README).');
  const stop = async (signal: string) => {
    custos.logger.info({ signal }, 'shutting down');
    await app.close();
    await custos.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

export async function importCommand(
  file: string,
  options: { format?: string; batchSize?: string; workers?: string; encoding?: string; sheet?: string },
): Promise<void> {
  if (!existsSync(file)) throw new CustosError('VALIDATION_FAILED', `No such file: ${file}`);
  const format = (options.format ?? formatOf(file)) as ImportFormat | null;
  if (format !== 'csv' && format !== 'jsonl' && format !== 'xlsx' && format !== 'json') {
    throw new CustosError(
      'VALIDATION_FAILED',
      /\.xls$/i.test(file)
        ? 'Excel 97-2003 .xls files are not read: save the sheet as .xlsx (or CSV UTF-8) and import that'
        : 'Cannot tell the format: use a .csv, .jsonl, .xlsx or .json file, or --format csv|jsonl|xlsx|json',
    );
  }
  await withCustos(
    async (custos) => {
      const source = await openRecordSource(file, format, {
        encoding: options.encoding,
        sheet: options.sheet,
      });
      out(`Reading ${file} as ${source.readAs}.`);
      const bar = progressBar('Importing', source.totalBytes, 'bytes');
      const started = Date.now();
      let summary: ImportSummary;
      try {
        summary = await custos.importer.importRecords(systemActor, source.records(), {
          batchSize: options.batchSize ? Number(options.batchSize) : undefined,
          workers: options.workers ? Number(options.workers) : defaultWorkerCount(),
          onBatch: (s) => bar.update(source.bytesRead(), { imported: s.imported, rejected: s.rejected }),
        });
        bar.update(source.totalBytes, { imported: summary.imported, rejected: summary.rejected });
      } finally {
        bar.stop();
      }
      const seconds = (Date.now() - started) / 1000;
      out(
        `Imported ${summary.imported} customers in ${seconds.toFixed(1)} s; rejected ${summary.rejected} rows.`,
      );
      for (const row of summary.rejectedRows) out(`  line ${row.line}: ${row.problems.join('; ')}`);
      if (summary.rejected > summary.rejectedRows.length) {
        out(`  … and ${summary.rejected - summary.rejectedRows.length} more rejected rows`);
      }
      if (summary.rejected > 0) process.exitCode = 3;
    },
    { logLevel: 'warn' },
  );
}

export async function rotateKeysCommand(options: { batchSize?: string; graceMs?: string }): Promise<void> {
  await withCustos(
    async (custos) => {
      const customers = await custos.vault.countCustomers();
      let bar: ReturnType<typeof progressBar> | undefined;
      const result = await custos.keyRotation.rotate(systemActor, {
        batchSize: options.batchSize ? Number(options.batchSize) : undefined,
        graceMs: options.graceMs ? Number(options.graceMs) : undefined,
        onStart: () => {
          bar = progressBar('Rewrapping data keys', customers, 'keys');
        },
        onProgress: (p) => bar?.update(p.rewrapped),
      });
      bar?.stop();
      out(
        `${result.resumed ? 'Resumed and finished' : 'Finished'} rotation to master key v${result.toVersion}: ` +
          `rewrapped ${result.rewrapped} data keys; retired v${result.fromVersions.join(', v')}.`,
      );
    },
    { logLevel: 'warn' },
  );
}

/**
 * The operator's break-glass on the host: security is alerted first (ledgered), then a token that acts for
 * no staff member and expires in an hour is minted (ledgered). Staff mint their own tokens over the API.
 */
export async function createTokenCommand(options: { label?: string; scopes?: string }): Promise<void> {
  await withCustos(
    async (custos) => {
      const label = options.label ?? 'operator token';
      const scopes = options.scopes?.split(/[\s,]+/).filter(Boolean);
      await custos.watch.alerts.raise(
        { type: 'system', id: 'operator' },
        {
          kind: 'operator_token_created',
          severity: 'high',
          staffId: 'operator',
          data: { scopes: scopes ?? 'default' },
        },
      );
      const minted = await custos.identity.apiTokens.createOperatorToken({
        label,
        ...(scopes ? { scopes } : {}),
      });
      out(`Token ${minted.id} (shown once, stored only as a hash; security has been alerted):`);
      out(`  ${minted.token}`);
      out(
        `  scopes ${minted.scopes.join(' ')}; expires ${new Date(minted.expiresAt as number).toISOString()}`,
      );
    },
    { logLevel: 'warn' },
  );
}

export async function verifyCommand(options: { checkpoint?: string[]; key?: string }): Promise<void> {
  await withCustos(
    async (custos) => {
      const verifier = verifierFromKey(
        options.key !== undefined
          ? readTextFile(options.key, 'key')
          : (custos.config.ledgerSignerVkey ?? readTextFile(`${custos.config.ledgerKeyFile}.pub`, 'key')),
      );
      const earlier = (options.checkpoint ?? []).map((file) => readTextFile(file, 'checkpoint'));
      const report = await verifyLedger({
        store: custos.ledgerStore,
        verifier,
        origin: custos.config.ledgerOrigin,
        earlier,
      });
      if (report.ok) {
        const sizes = report.verifiedCheckpoints;
        out(
          `OK: ${report.entries} entries; recomputed tree and subject maps match ${sizes.length} signed checkpoints (latest size ${sizes[sizes.length - 1] ?? 0}).`,
        );
        return;
      }
      out(`FAILED after ${report.entries} good entries:`);
      for (const p of report.problems)
        out(`  ${p.index === undefined ? '' : `index ${p.index}: `}${p.problem}`);
      for (const c of report.conflicts) {
        out('');
        out(`KEY MISUSE: two checkpoints of size ${c.size}, both validly signed, different roots.`);
        c.notes.forEach((note, i) => {
          out(`--- ${c.labels[i]}:`);
          process.stdout.write(note.endsWith('\n') ? note : `${note}\n`);
        });
      }
      process.exitCode = 1;
    },
    { logLevel: 'warn' },
  );
}

export async function checkpointCommand(): Promise<void> {
  await withCustos(
    async (custos) => {
      await custos.ledger.checkpointNow();
      const note = await custos.ledger.latestCheckpoint();
      if (!note) throw new CustosError('NOT_FOUND', 'The ledger is empty: no checkpoint to show');
      process.stdout.write(note);
    },
    { logLevel: 'warn' },
  );
}

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CustosError('VALIDATION_FAILED', `Cannot read the ${what} file ${path}`, { cause });
  }
}

export async function witnessCommand(options: {
  dataDir: string;
  host: string;
  port: string;
  name: string;
  log: string[];
}): Promise<void> {
  const logs = options.log.map((spec) => {
    const at = spec.indexOf('=');
    if (at <= 0) throw new CustosError('VALIDATION_FAILED', '--log takes <origin>=<vkey or vkey file>');
    const origin = spec.slice(0, at);
    const value = spec.slice(at + 1);
    const vkey = existsSync(value) ? readTextFile(value, 'log key').trim() : value;
    return { origin, vkey };
  });
  if (logs.length === 0)
    throw new CustosError('VALIDATION_FAILED', 'Name at least one log to witness with --log');
  const witness = await runWitness({
    dataDir: options.dataDir,
    host: options.host,
    port: Number(options.port),
    name: options.name,
    logs,
  });
  out(`Custos witness listening on ${witness.address} for ${logs.map((l) => l.origin).join(', ')}`);
  out(`  Its cosigner key (give it to the log as CUSTOS_WITNESSES="${witness.address} <key>"):`);
  out(`  ${witness.vkey}`);
  const stop = async () => {
    await witness.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new CustosError('VALIDATION_FAILED', `--${name} takes a positive whole number`);
  return parsed;
}

/** The organisation simulator (sim/): runs in memory, needs no data directory, writes its report. */
export async function simulateCommand(options: {
  staff?: string;
  customers?: string;
  days?: string;
  seed?: string;
  coldShare?: string;
  out: string;
}): Promise<void> {
  const params = {
    staff: positiveInteger(options.staff, 'staff', 10_000),
    customers: positiveInteger(options.customers, 'customers', 1_000_000),
    days: positiveInteger(options.days, 'days', 30),
    seed: positiveInteger(options.seed, 'seed', 1),
  };
  if (params.staff > 30_000) throw new CustosError('VALIDATION_FAILED', '--staff is at most 30000');
  const coldShare = options.coldShare === undefined ? undefined : Number(options.coldShare);
  if (coldShare !== undefined && !(coldShare >= 0 && coldShare <= 0.1))
    throw new CustosError('VALIDATION_FAILED', '--cold-share takes a share from 0 to 0.1');
  const command = `custos simulate --staff ${params.staff} --customers ${params.customers} --days ${params.days} --seed ${params.seed}${coldShare === undefined ? '' : ` --cold-share ${coldShare}`} --out ${options.out}`;
  out(
    `Simulating ${params.staff} staff, ${params.customers} customers, ${params.days} days (seed ${params.seed})`,
  );
  const result = simulate({
    ...params,
    ...(coldShare === undefined ? {} : { workload: { coldShare } }),
    onDay: (day, days) => out(`  day ${day + 1}/${days}`),
  });
  const perf = result.performance;
  out(
    `${perf.acts} acts, ${perf.events} model calls in ${perf.seconds.toFixed(1)} s: ${perf.eventsPerSecond} calls/s`,
  );
  for (const file of writeReport(result, options.out, command)) out(`  wrote ${file}`);
  for (const v of verdicts(result)) out(`  ${v.met ? 'met   ' : 'MISSED'} ${v.target}: ${v.measured}`);
}
