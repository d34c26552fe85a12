/**
 * The ledger: Custos's append-only, verifiable record of every act (RFC 9162 Merkle tree over canonical
 * entries, C2SP tiles and signed checkpoints).
 *
 * Write-ahead rule: an act's entry is durable before the act's effect is visible — before any data leaves
 * (view, search, reveal, export) and before a change commits. If the act then fails, an `act.failed` entry
 * says so. So every act has an entry; an entry without its act is marked, never silent. Appends go through
 * the sequencer's group commit, which is what makes writing ahead affordable.
 */
import type { Clock } from '../platform/clock.ts';
import { CustosError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { decodeEntry } from './entry-encoding.ts';
import type { EntryInput, EntryType, LedgerEntry } from './entry-types.ts';
import type { LedgerKey } from './ledger-key.ts';
import type { LedgerStore } from './ledger.store.ts';
import { consistencyProof, inclusionProof } from './merkle-proofs.ts';
import { createSequencer } from './sequencer.ts';
import { signCheckpoint } from './checkpoint.ts';
import { createTileReader } from './tile-reader.ts';
import { loadTreeState } from './tree-load.ts';
import { stateRoot } from './tree-state.ts';
import { LedgerProofError } from './ledger-errors.ts';

/** Cybersecurity Law art. 21(3): network logs are kept at least six months. */
export const MIN_RETENTION_MS = 183 * 24 * 3600 * 1000;

export interface LedgerDeps {
  store: LedgerStore;
  key: LedgerKey;
  clock: Clock;
  logger: Logger;
  checkpointIntervalMs?: number;
  /** Called with each new signed checkpoint before it is stored; may add witness cosignatures, or throw. */
  cosign?: (note: string, size: number, previous: number) => Promise<string>;
}

export interface StoredEntry {
  index: number;
  leafHash: string;
  /** The entry, or null once retention redacted its payload. */
  entry: LedgerEntry | null;
  redactedAt: string | null;
}

function proofError(error: unknown): never {
  if (error instanceof LedgerProofError) {
    throw new CustosError('VALIDATION_FAILED', `No such proof: ${error.message}`, { cause: error });
  }
  throw error;
}

export async function createLedger(deps: LedgerDeps) {
  const { store, key, clock, logger } = deps;
  const sequencer = createSequencer(
    { store, clock, loadState: () => loadTreeState(store) },
    await loadTreeState(store),
  );
  const reader = createTileReader(store, () => sequencer.state().rightTiles);
  let timer: NodeJS.Timeout | undefined;
  let checkpointing: Promise<unknown> = Promise.resolve();

  async function signLatest() {
    const state = sequencer.state();
    const last = await store.latestCheckpoint();
    if (state.size === 0 || (last && last.size >= state.size)) return last ?? null;
    const root = stateRoot(state);
    let note = signCheckpoint({ origin: key.origin, size: state.size, rootHash: root, extensions: [] }, [
      key.signer,
    ]);
    if (deps.cosign) note = await deps.cosign(note, state.size, last?.size ?? 0);
    const checkpoint = { size: state.size, root, note, createdAt: clock.now() };
    await store.insertCheckpoint(checkpoint);
    return checkpoint;
  }

  const ledger = {
    origin: key.origin,
    vkey: key.vkey,

    /** Append one entry; resolves with its index once durable. Throws LEDGER_UNAVAILABLE. */
    append<T extends EntryType>(input: EntryInput<T>): Promise<number> {
      return sequencer.append(input as EntryInput);
    },

    /**
     * Write-ahead: record the act, then run it; if it fails, record that too and rethrow. The act does not
     * start unless its entry is durable.
     */
    async record<T extends EntryType, R>(
      input: EntryInput<T>,
      act: (index: number) => Promise<R>,
    ): Promise<R> {
      const index = await ledger.append(input);
      try {
        return await act(index);
      } catch (error) {
        const code = error instanceof CustosError ? error.code : 'INTERNAL';
        await ledger.append({
          type: 'act.failed',
          actor: input.actor,
          subject: input.subject,
          data: { ref: index, code },
        });
        throw error;
      }
    },

    size: () => sequencer.state().size,

    /**
     * Per window start, the distinct subjects of `actor`'s committed entries of one type since then, and
     * whether `subject` is among them. The ledger is the record quotas count from: an act counts exactly
     * when its entry is durable, with no second write.
     */
    distinctSubjectsSince: (actor: string, type: EntryType, since: readonly number[], subject: string) =>
      store.distinctSubjectsSince(actor, type, since, subject),

    /** How many committed entries of one type `actor` has since `since`. */
    countSince: (actor: string, type: EntryType, since: number) => store.countSince(actor, type, since),

    /** Sign (and have witnessed) a checkpoint of everything committed so far, unless one exists. */
    checkpointNow(): Promise<Awaited<ReturnType<typeof signLatest>>> {
      const run = checkpointing.then(signLatest, signLatest);
      checkpointing = run.catch(() => {});
      return run;
    },

    async latestCheckpoint(): Promise<string | null> {
      return (await store.latestCheckpoint())?.note ?? null;
    },

    async entry(index: number): Promise<StoredEntry> {
      const stored = Number.isSafeInteger(index) && index >= 0 ? await store.entry(index) : undefined;
      if (!stored) throw new CustosError('NOT_FOUND', 'No such ledger entry');
      const [leaf] = await reader.readNodes([{ level: 0, index }]);
      return {
        index,
        leafHash: (leaf as Buffer).toString('base64'),
        entry: stored.entry ? decodeEntry(stored.entry) : null,
        redactedAt: stored.redactedAt === null ? null : new Date(stored.redactedAt).toISOString(),
      };
    },

    /**
     * Entries of these types written at or after `since`, oldest first (redacted ones skipped): what the
     * watcher replays to rebuild its state after a restart.
     */
    async *replay<T extends EntryType>(types: readonly T[], since: number): AsyncGenerator<LedgerEntry<T>> {
      let after = -1;
      for (;;) {
        const page = await store.entriesOfTypesSince(types, since, after, 1000);
        for (const stored of page) {
          after = stored.index;
          if (stored.entry) yield decodeEntry(stored.entry) as LedgerEntry<T>;
        }
        if (page.length < 1000) return;
      }
    },

    /** The audit path of entry `index` in the tree of `size` entries (a checkpoint's size). */
    async inclusionProof(index: number, size: number): Promise<Buffer[]> {
      return inclusionProof(index, size, reader).catch(proofError);
    },

    /** Proof that the tree of `from` entries is a prefix of the tree of `to` entries. */
    async consistencyProof(from: number, to: number): Promise<Buffer[]> {
      return consistencyProof(from, to, reader).catch(proofError);
    },

    /**
     * Redact the payload of entries older than `keepMs` (never less than the legal floor); leaf hashes stay,
     * so proofs and verification keep working. Returns how many were redacted.
     */
    async applyRetention(actor: string, keepMs: number): Promise<number> {
      if (!(keepMs >= MIN_RETENTION_MS)) {
        throw new CustosError('VALIDATION_FAILED', 'Entries must be kept at least six months (CSL art. 21)');
      }
      const olderThan = clock.now() - keepMs;
      const redacted = await store.redactBefore(olderThan, clock.now());
      await ledger.append({ type: 'ledger.retention_applied', actor, data: { olderThan, redacted } });
      return redacted;
    },

    /** Sign checkpoints every `checkpointIntervalMs` while anything new was appended. */
    start(): void {
      const every = deps.checkpointIntervalMs ?? 1000;
      timer = setInterval(() => {
        ledger.checkpointNow().catch((error) => logger.warn({ err: error }, 'checkpoint not published'));
      }, every);
      timer.unref();
    },

    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      await sequencer.close();
      await checkpointing;
    },
  };
  return ledger;
}

export type Ledger = Awaited<ReturnType<typeof createLedger>>;
