/**
 * `custos witness`: the witness as its own process, with its own key and data directory, separate from the
 * log it watches (a witness the log's operator can quietly rewrite would prove nothing). Loads or creates the
 * key and the state, then serves tlog-witness over HTTP until closed.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { type Clock, systemClock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { type NoteVerifier, parseVerifierKey } from '../note-keys.ts';
import { keepMisbehaviourEvidence } from './misbehaviour-evidence.ts';
import { createWitness, type WitnessedLog } from './witness.ts';
import { loadOrCreateWitnessKey } from './witness-keys.ts';
import { buildWitnessServer } from './witness-server.ts';
import { openWitnessState } from './witness-state.ts';

/** A log to witness: its origin line and its checkpoint-signing vkey(s) (C2SP Ed25519, type 0x01). */
export interface WitnessLogConfig {
  readonly origin: string;
  readonly vkey: string | readonly string[];
}

/** Options for `runWitness`. */
export interface RunWitnessOptions {
  /** Holds `witness.key` (0600), `witness.vkey`, `state.json` (0600) and `evidence/`; created (0700) if absent. */
  readonly dataDir: string;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on (default 0: any free port; read `address`). */
  readonly port?: number;
  /** The logs this witness follows. */
  readonly logs: readonly WitnessLogConfig[];
  /** The witness's key name, used when the key is created and checked afterwards (default `custos-witness`). */
  readonly name?: string;
  readonly logger?: FastifyBaseLogger;
  readonly clock?: Clock;
}

/** A running witness. */
export interface RunningWitness {
  /** Base URL of the submission prefix, e.g. `http://127.0.0.1:43117`. */
  readonly address: string;
  /** The witness's cosigner verifier key, to configure in the log. */
  readonly vkey: string;
  /** Stops listening; in-flight requests finish first. */
  close(): Promise<void>;
}

/**
 * Starts a witness. Throws `CustosError('CONFIG_INVALID')` for a log without a valid vkey, a duplicate
 * origin, no logs, or an unusable key or state file.
 *
 * @example
 * const w = await runWitness({ dataDir: '/var/lib/custos-witness', port: 7380,
 *   logs: [{ origin: 'custos.example/ledger', vkey: 'custos.example/ledger+1a2b3c4d+AT…' }] });
 * console.log(w.vkey);
 */
export async function runWitness(options: RunWitnessOptions): Promise<RunningWitness> {
  const logs = witnessedLogs(options.logs);
  const clock = options.clock ?? systemClock;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const cosigner = await loadOrCreateWitnessKey({
    dataDir: options.dataDir,
    clock,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  const state = await openWitnessState(options.dataDir);
  const witness = createWitness({
    cosigner,
    logs,
    state,
    onMisbehaviour: keepMisbehaviourEvidence(options.dataDir, clock),
  });
  const app = await buildWitnessServer(witness, options.logger ? { logger: options.logger } : {});
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { address, family, port } = app.server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return { address: `http://${host}:${port}`, vkey: cosigner.vkey, close: () => app.close() };
}

function witnessedLogs(configs: readonly WitnessLogConfig[]): WitnessedLog[] {
  if (configs.length === 0)
    throw new CustosError('CONFIG_INVALID', 'A witness needs at least one log to follow');
  const seen = new Set<string>();
  return configs.map(({ origin, vkey }) => {
    if (seen.has(origin)) throw new CustosError('CONFIG_INVALID', `The log "${origin}" is configured twice`);
    seen.add(origin);
    const keys = typeof vkey === 'string' ? [vkey] : vkey;
    const verifiers = keys.map((key) => parseVerifierKey(key.trim()));
    if (keys.length === 0 || verifiers.some((v) => v === null)) {
      throw new CustosError('CONFIG_INVALID', `The log "${origin}" needs valid verifier keys`);
    }
    return { origin, verifiers: verifiers as NoteVerifier[] };
  });
}
