/** Builds the ledger from config: its signing key (created on first start), store, service and witnesses. */
import type { Platform } from '../platform/platform.ts';
import { createLedgerKeyFile, loadLedgerKey } from './ledger-key.ts';
import { createLedger, type Ledger } from './ledger.service.ts';
import { createWitnessCosigning } from './witness/witness-cosigning.ts';
import { createLedgerStore } from './ledger.store.ts';

export async function wireLedger(deps: { platform: Platform }) {
  const { config, database, clock, logger } = deps.platform;
  createLedgerKeyFile(config.ledgerKeyFile, config.ledgerOrigin);
  const key = loadLedgerKey(config.ledgerKeyFile, config.ledgerOrigin);
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
  });
  late.ledger = ledger;
  return { ledger, ledgerStore: store };
}

export type LedgerModule = Awaited<ReturnType<typeof wireLedger>>;
