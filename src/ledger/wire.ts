/**
 * Builds the ledger from config: its signing key (a key file created on first start, or an external signer
 * handed in), store, service and witnesses.
 */
import { dirname, resolve } from 'node:path';
import type { Config } from '../platform/config.ts';
import type { Platform } from '../platform/platform.ts';
import type { CheckpointSigner } from './checkpoint-signer.ts';
import { httpCheckpointSigner } from './http-signer.ts';
import { createLedgerKeyFile, externalLedgerKey, type LedgerKey, loadLedgerKey } from './ledger-key.ts';
import { createLedger, type Ledger } from './ledger.service.ts';
import { createWitnessCosigning } from './witness/witness-cosigning.ts';
import { createLedgerStore } from './ledger.store.ts';

/** An external checkpoint signer and its public (C2SP verifier) key. */
export interface ExternalLedgerSigner {
  signer: CheckpointSigner;
  vkey: string;
}

/**
 * Whoever can read the database's directory can also take a key file kept there and re-sign history: said
 * once when a server starts (not by every command, whose output may be a checkpoint to save).
 */
function keyPlacementWarnings(config: Readonly<Config>): string[] {
  const keyDir = dirname(resolve(config.ledgerKeyFile));
  const dbDir = config.databaseUrl.startsWith('sqlite:')
    ? dirname(resolve(config.databaseUrl.slice('sqlite:'.length)))
    : undefined;
  if (keyDir !== resolve(config.dataDir) && keyDir !== dbDir) return [];
  return [
    'the ledger signing key is kept beside the data: set CUSTOS_LEDGER_KEY_FILE to another volume, or use an external signer (docs/LEDGER.md)',
  ];
}

export async function wireLedger(deps: {
  platform: Platform;
  signer?: ExternalLedgerSigner;
  subjectMap?: boolean;
}) {
  const { config, database, clock, logger } = deps.platform;
  let key: LedgerKey;
  let warnings: string[] = [];
  const external: ExternalLedgerSigner | undefined =
    deps.signer ??
    (config.ledgerSignerUrl && config.ledgerSignerVkey
      ? {
          signer: httpCheckpointSigner({
            url: config.ledgerSignerUrl,
            vkey: config.ledgerSignerVkey,
            ...(config.ledgerSignerToken ? { token: config.ledgerSignerToken } : {}),
          }),
          vkey: config.ledgerSignerVkey,
        }
      : undefined);
  if (external) {
    key = externalLedgerKey(external.signer, external.vkey, config.ledgerOrigin);
  } else {
    createLedgerKeyFile(config.ledgerKeyFile, config.ledgerOrigin);
    key = loadLedgerKey(config.ledgerKeyFile, config.ledgerOrigin);
    warnings = keyPlacementWarnings(config);
  }
  const store = createLedgerStore(database);
  // With witnesses configured, a checkpoint is stored (published) only once a quorum has cosigned it. The
  // proof they need comes from this very ledger, hence the late binding.
  const late: { ledger?: Ledger } = {};
  const cosign =
    config.witnesses.length === 0
      ? undefined
      : createWitnessCosigning({
          witnesses: config.witnesses,
          quorum: config.witnessQuorum,
          consistencyProof: (from, to) => (late.ledger as Ledger).consistencyProof(from, to),
        });
  const ledger = await createLedger({
    cosign,
    store,
    key,
    clock,
    logger,
    checkpointIntervalMs: config.checkpointIntervalMs,
    ...(deps.subjectMap === false ? { subjectMap: false } : {}),
  });
  late.ledger = ledger;
  return { ledger, ledgerStore: store, ledgerWarnings: warnings };
}

export type LedgerModule = Awaited<ReturnType<typeof wireLedger>>;
