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
import { actorRef, systemActor } from '../platform/actor.ts';
import { decodeEntry } from './entry-encoding.ts';
import { encodeHeader, LEAF_VERSION } from './entry-leaf.ts';
import type { EntryInput, EntryType, LedgerEntry } from './entry-types.ts';
import type { LedgerKey } from './ledger-key.ts';
import type { LedgerStore, StoredLedgerEntry } from './ledger.store.ts';
import { consistencyProof, inclusionProof } from './merkle-proofs.ts';
import { createSequencer } from './sequencer.ts';
import { signCheckpointWith } from './checkpoint-signer.ts';
import { checkEntry } from './entry-check.ts';
import { COUNTED_WINDOW_MS, countedTypes, createCountedActs, unionOfActs } from './counted-acts.ts';
import { auditRecentActs, LedgerMismatchError } from './recent-acts-audit.ts';
import { createTileReader } from './tile-reader.ts';
import { loadTreeState } from './tree-load.ts';
import { stateRoot } from './tree-state.ts';
import { LedgerProofError } from './ledger-errors.ts';
import { MIN_RETENTION_MS } from './retention-floor.ts';
import { createSubjectIndex } from './subject-index.ts';
import { mapExtension, type MapProof, mapRootOf } from './subject-map.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { parseNote } from './signed-note.ts';

export { MIN_RETENTION_MS } from './retention-floor.ts';

export interface LedgerDeps {
  store: LedgerStore;
  key: LedgerKey;
  clock: Clock;
  logger: Logger;
  checkpointIntervalMs?: number;
  /** The retention floor in force (retention-floor.ts: per jurisdiction); never under `MIN_RETENTION_MS`. */
  retentionFloorMs?: number;
  /** Called with each new signed checkpoint before it is stored; may add witness cosignatures, or throw. */
  cosign?: (note: string, size: number, previous: number) => Promise<string>;
  /** Commit each checkpoint to the subject map (default true; off only to measure what it costs). */
  subjectMap?: boolean;
}

/** One entry of a subject's history, with what proves it. */
export interface HistoryItem {
  index: number;
  /** The canonical header its leaf hashes (base64; v2 and v3), null for v1. */
  header: string | null;
  /** The entry, or null once retention redacted its payload. */
  entry: LedgerEntry | null;
  /** Its audit path in the tree of the history's checkpoint. */
  inclusionProof: Buffer[];
}

/** Everything about one subject up to a signed checkpoint, with the map proof that nothing is left out. */
export interface SubjectHistory {
  /** The signed (and witnessed) checkpoint the proofs are against. */
  checkpoint: string;
  size: number;
  mapProof: MapProof;
  /** Newest first: one page, from the page's `from` down. */
  items: HistoryItem[];
  /** The index of the next older entry about the subject (the next page's `from`), or null at the first. */
  next: number | null;
}

export interface StoredEntry {
  index: number;
  leafHash: string;
  /** The leaf format (entry-leaf.ts): 1 = the leaf hashes the entry, 2 = it hashes `header`. */
  leafVersion: number;
  /**
   * v2: the canonical header the leaf hashes (base64): time, type, actor, subject and the payload's SHA-256.
   * It stays after redaction, so anyone can check what the entry was about against an inclusion proof.
   */
  header: string | null;
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

/** The canonical header a v2 or v3 leaf hashes (base64); null for v1. */
function headerOf(stored: StoredLedgerEntry): string | null {
  if ((stored.leafVersion !== 2 && stored.leafVersion !== 3) || !stored.payloadHash) return null;
  return encodeHeader({ ...stored, payloadHash: stored.payloadHash }, stored.leafVersion).toString('base64');
}

export async function createLedger(deps: LedgerDeps) {
  const { store, key, clock, logger } = deps;
  const counted = createCountedActs();
  const floorMs = Math.max(MIN_RETENTION_MS, deps.retentionFloorMs ?? 0);
  const subjects = createSubjectIndex({ map: deps.subjectMap ?? true });
  let appendedHere = false;
  const initial = await loadTreeState(store);
  subjects.committed(await store.latestBySubject(initial.size));
  const sequencer = createSequencer(
    {
      commit: (request) => store.commitBatch(request),
      clock,
      loadState: () => loadTreeState(store),
      onAppended: (entries) => {
        appendedHere = true;
        subjects.committed(entries);
        entries.forEach(counted.appended);
      },
      prevOf: subjects.prevOf,
      catchUp: async (from, to) => {
        subjects.ahead(await store.subjectsBetween(from, to));
        await countForeign(from, to);
      },
    },
    initial,
  );
  const reader = createTileReader(store, () => sequencer.state().rightTiles);
  /**
   * The past week's counted acts, read back once and held against the signed tree (recent-acts-audit.ts)
   * before any count trusts storage. A mismatch stays: counts refuse until storage is repaired and Custos
   * restarted. A storage failure is retried on the next count.
   */
  let audit: Promise<void> | undefined;
  let mismatch: string | undefined;
  const audited = (): Promise<void> => {
    audit ??= auditRecentActs({
      store,
      reader,
      loadState: () => loadTreeState(store),
      verifier: key.verifier,
      origin: key.origin,
      since: clock.now() - COUNTED_WINDOW_MS,
    }).then(
      (acts) => acts.forEach(counted.appended),
      (error) => {
        if (!(error instanceof LedgerMismatchError)) {
          audit = undefined;
          throw error;
        }
        mismatch = error.message;
        logger.error(
          { problem: mismatch },
          'ledger storage does not match its signed tree: run custos verify',
        );
      },
    );
    return audit;
  };
  const refuseToCount = (): never => {
    throw new CustosError(
      'LEDGER_UNAVAILABLE',
      'The ledger does not match its signed tree: nothing is counted',
    );
  };
  /**
   * Rows this process did not append or read back (another node's), held against their leaves: an edit or a
   * redaction younger than the counted window makes every count refuse from then on (`mismatch`).
   */
  const holdAgainstLeaves = async (others: readonly StoredLedgerEntry[]): Promise<void> => {
    if (others.length === 0) return;
    let leaves: readonly Buffer[] = [];
    try {
      leaves = await reader.readNodes(others.map((row) => ({ level: 0, index: row.index })));
    } catch (error) {
      if (!(error instanceof LedgerProofError)) throw error; // no leaf at all: checkEntry names it
    }
    others.forEach((row, i) => {
      const checked = checkEntry(row, leaves[i]);
      if (!checked.ok || checked.redacted) {
        mismatch = checked.ok
          ? `entry ${row.index} was redacted though younger than a week`
          : checked.problem;
        logger.error(
          { problem: mismatch },
          'ledger storage does not match its signed tree: run custos verify',
        );
        refuseToCount();
      }
    });
  };
  /**
   * Another writer's counted acts in [from, to), which this process's sequencer has just stepped over: held
   * against their leaves once, then counted from memory like this process's own. So every counted act below
   * the sequencer's size is in memory (own appends, the audited week, these), and a count reads storage only
   * from that size on — not the whole window's rows on every request.
   */
  const countForeign = async (from: number, to: number): Promise<void> => {
    const rows = (
      await store.entriesOfTypesSince([...countedTypes], clock.now() - COUNTED_WINDOW_MS, from - 1, to - from)
    ).filter((row) => row.index < to);
    try {
      await holdAgainstLeaves(rows);
    } catch (error) {
      if (!(error instanceof CustosError)) throw error;
      return; // `mismatch` is set: counts refuse; the appends that stepped over them go on
    }
    rows.forEach(counted.appended);
  };
  /**
   * Acts of one actor and type since `since`: appended, audited or caught up here (counted-acts.ts), and the
   * stored rows from `fromIndex` on (another node's, appended since this process last committed). `fromIndex`
   * 0 reads the whole window from storage, for a caller that needs the payloads too.
   */
  const auditedActs = async (actor: string, type: EntryType, since: number, fromIndex: number) => {
    await audited();
    if (mismatch !== undefined) refuseToCount();
    const found = await store.actsSince(actor, type, since, fromIndex);
    // After the read: what this process acknowledged meanwhile is its own. Rows of its batch still being
    // committed are its acts in flight: quotas hold those as reservations until they are acknowledged, and
    // their leaves are not in this process's tree yet.
    const mine = counted.since(actor, type, since);
    const known = new Set(mine.map((a) => a.index));
    const inFlight = sequencer.committing();
    const stored = found.filter(
      (row) => inFlight === null || row.index < inFlight.from || row.index >= inFlight.to,
    );
    await holdAgainstLeaves(stored.filter((row) => !known.has(row.index)));
    return { acts: unionOfActs(stored, mine), stored };
  };
  const actsSince = async (actor: string, type: EntryType, since: number) =>
    (await auditedActs(actor, type, since, sequencer.state().size)).acts;
  // A ledger written in older leaves goes on in the newest behind one marker entry, so `verify` knows where
  // each format ends: no v2 entry can later pass for an unverifiable redacted v1 one, and chains are checked
  // from the first v3 entry on.
  const lastVersion = await store.lastLeafVersion();
  if (lastVersion !== undefined && lastVersion < LEAF_VERSION) {
    await sequencer.append({
      type: 'ledger.leaf_format',
      actor: actorRef(systemActor),
      data: { version: LEAF_VERSION },
    });
  }
  let timer: NodeJS.Timeout | undefined;
  let checkpointing: Promise<unknown> = Promise.resolve();

  // The newest stored checkpoint's map stays provable after a restart when nothing was appended since.
  const stored = await store.latestCheckpoint();
  if (subjects.mapped && stored && stored.size === initial.size) {
    const body = parseNote(stored.note);
    const claimed = body && parseCheckpoint(body.text);
    const committed = claimed ? mapRootOf(claimed.extensions) : undefined;
    const rebuilt = subjects.rootFor(initial.size);
    if (committed && !committed.equals(rebuilt))
      logger.error(
        { size: initial.size },
        'the stored subject map does not match the log: run custos verify',
      );
  }

  async function signLatest() {
    const last = await store.latestCheckpoint();
    // The tree and the map are read in one tick: both move together when a batch commits.
    const state = sequencer.state();
    if (state.size === 0 || (last && last.size >= state.size)) return last ?? null;
    const root = stateRoot(state);
    const extensions = subjects.mapped ? [mapExtension(subjects.rootFor(state.size))] : [];
    let note = await signCheckpointWith(
      { origin: key.origin, size: state.size, rootHash: root, extensions },
      key.signer,
      key.verifier,
    );
    if (deps.cosign) note = await deps.cosign(note, state.size, last?.size ?? 0);
    const checkpoint = { size: state.size, root, note, createdAt: clock.now() };
    await store.insertCheckpoint(checkpoint);
    return checkpoint;
  }

  /** An entry's subject: the one given, else the customer its payload names (undefined: none). */
  function subjectOf(input: EntryInput): string | undefined {
    const customerId = (input.data as { customerId?: unknown }).customerId;
    return input.subject ?? (typeof customerId === 'string' ? customerId : undefined);
  }

  const ledger = {
    origin: key.origin,
    vkey: key.vkey,

    /**
     * Append one entry; resolves with its index once durable. Throws LEDGER_UNAVAILABLE. An entry whose
     * payload names a customer is about that customer: its subject is the customer (filled in when the
     * caller left it out), so it joins their chain and their history cannot leave it out.
     */
    append<T extends EntryType>(input: EntryInput<T>): Promise<number> {
      const subject = subjectOf(input);
      if (subject !== input.subject) return sequencer.append({ ...input, subject } as EntryInput);
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
        // About the same subject as the act, filled in or not: the failure joins the same chain.
        const subject = subjectOf(input);
        await ledger.append({
          type: 'act.failed',
          actor: input.actor,
          ...(subject === undefined ? {} : { subject }),
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
    async distinctSubjectsSince(
      actor: string,
      type: EntryType,
      since: readonly number[],
      subject: string,
    ): Promise<Array<{ count: number; includes: boolean }>> {
      const acts = await actsSince(actor, type, Math.min(...since));
      return since.map((start) => {
        const subjects = new Set(
          acts.filter((a) => a.at >= start && a.subject !== null).map((a) => a.subject),
        );
        return { count: subjects.size, includes: subjects.has(subject) };
      });
    },

    /**
     * The distinct subjects of `actor`'s committed entries of one type since `since` whose payload passes
     * `keep` (the staff-initiated budget: reveals with evidence `none`). The acts are the audited ones, as for
     * quotas; their payloads are read from storage (an edited payload is what `custos verify` reports).
     */
    async subjectsSinceWhere(
      actor: string,
      type: EntryType,
      since: number,
      keep: (data: unknown) => boolean,
    ): Promise<Set<string>> {
      const { acts, stored: rows } = await auditedActs(actor, type, since, 0);
      const audited = new Set(acts.map((a) => a.index));
      const subjects = new Set<string>();
      for (const stored of rows) {
        if (!audited.has(stored.index) || stored.subject === null || stored.entry === null) continue;
        if (!subjects.has(stored.subject) && keep(decodeEntry(stored.entry).data))
          subjects.add(stored.subject);
      }
      return subjects;
    },

    /** How many committed entries of one type `actor` has since `since`. */
    countSince: async (actor: string, type: EntryType, since: number) =>
      (await actsSince(actor, type, since)).length,

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
        leafVersion: stored.leafVersion,
        header: headerOf(stored),
        entry: stored.entry ? decodeEntry(stored.entry) : null,
        redactedAt: stored.redactedAt === null ? null : new Date(stored.redactedAt).toISOString(),
      };
    },

    /**
     * Entries of these types written at or after `since` (and from index `fromIndex` on), oldest first
     * (redacted ones skipped), each with its index: what the watcher replays to rebuild its state after a
     * restart.
     */
    async *replay<T extends EntryType>(
      types: readonly T[],
      since: number,
      fromIndex = 0,
    ): AsyncGenerator<LedgerEntry<T> & { index: number }> {
      let after = fromIndex - 1;
      for (;;) {
        const page = await store.entriesOfTypesSince(types, since, after, 1000);
        for (const stored of page) {
          after = stored.index;
          if (stored.entry)
            yield Object.assign(decodeEntry(stored.entry) as LedgerEntry<T>, { index: stored.index });
        }
        if (page.length < 1000) return;
      }
    },

    /**
     * Up to `limit` entries by `actor` (an `actorRef`) at or after `since`, oldest first, redacted ones
     * skipped: what security reads as a staff member's timeline around an alert.
     */
    async entriesByActorSince(actor: string, since: number, limit: number): Promise<LedgerEntry[]> {
      const page = await store.entriesByActorSince(actor, since, Math.max(0, Math.min(limit, 1000)));
      return page.flatMap((stored) => (stored.entry ? [decodeEntry(stored.entry)] : []));
    },

    /**
     * The entries about `subject` up to a signed checkpoint that covers everything committed now, each with
     * its inclusion proof, and the subject map's proof of the newest one: what a customer's device checks to
     * know their history is whole (docs/LEDGER.md, "Completeness"). One page: at most `limit` entries from
     * `from` (default: the newest) down, and `next`, where the next page starts (the last item's `prev`, so
     * the device walks the chain across pages). Throws LEDGER_UNAVAILABLE when no
     * checkpoint can be signed or its map is not held here (signed by another process: retry).
     */
    async subjectHistory(subject: string, page: { from?: number; limit: number }): Promise<SubjectHistory> {
      if (!subjects.mapped) throw new CustosError('LEDGER_UNAVAILABLE', 'The subject map is off');
      const checkpoint = await ledger.checkpointNow();
      if (!checkpoint) throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger has no checkpoint yet');
      const mapProof = subjects.proof(subject, checkpoint.size);
      if (!mapProof) {
        throw new CustosError(
          'LEDGER_UNAVAILABLE',
          'The newest checkpoint was signed elsewhere: retry shortly',
        );
      }
      const from = page.from ?? checkpoint.size - 1;
      const rows = await store.entriesBySubject(subject, checkpoint.size, { from, limit: page.limit + 1 });
      const next = rows.length > page.limit ? (rows[page.limit] as StoredLedgerEntry).index : null;
      const items = await Promise.all(
        rows.slice(0, page.limit).map(async (row) => ({
          index: row.index,
          header: headerOf(row),
          entry: row.entry ? decodeEntry(row.entry) : null,
          inclusionProof: await ledger.inclusionProof(row.index, checkpoint.size),
        })),
      );
      return { checkpoint: checkpoint.note, size: checkpoint.size, mapProof, items, next };
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
     * Redact the payload of entries older than `keepMs` (never less than the floor in force, itself never
     * under six months); leaf hashes stay, so proofs and verification keep working. Returns how many were
     * redacted.
     */
    async applyRetention(actor: string, keepMs: number): Promise<number> {
      if (!(keepMs >= MIN_RETENTION_MS)) {
        throw new CustosError('VALIDATION_FAILED', 'Entries must be kept at least six months (CSL art. 21)');
      }
      if (!(keepMs >= floorMs)) {
        const days = Math.ceil(floorMs / 86_400_000);
        throw new CustosError('VALIDATION_FAILED', `Entries must be kept at least ${days} days here`);
      }
      const olderThan = clock.now() - keepMs;
      const redacted = await store.redactBefore(olderThan, clock.now());
      await ledger.append({ type: 'ledger.retention_applied', actor, data: { olderThan, redacted } });
      return redacted;
    },

    /**
     * Sign checkpoints every `checkpointIntervalMs` while anything new was appended, and read the counted
     * acts of the past week back (checked against the signed tree) for quotas.
     */
    start(): void {
      // Read the week back now rather than on the first reveal, which would otherwise wait for it.
      audited().catch((error) => logger.warn({ err: error }, 'counted acts not read back yet'));
      const every = deps.checkpointIntervalMs ?? 1000;
      timer = setInterval(() => {
        ledger.checkpointNow().catch((error) => logger.warn({ err: error }, 'checkpoint not published'));
      }, every);
      timer.unref();
    },

    /**
     * Stop: refuse new appends once those queued are durable, then sign a final checkpoint, so a clean
     * shutdown leaves no entry uncovered until the next start. Only a ledger that was started or appended
     * here signs: a command that only reads (`custos verify`) must not sign whatever storage holds. A final
     * checkpoint that cannot be made (a witness down) is logged, not thrown: the entries are durable and the
     * next start signs them.
     */
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      await sequencer.close();
      await store.close();
      await checkpointing;
      await audit?.catch(() => {});
      if (timer === undefined && !appendedHere) return;
      await ledger
        .checkpointNow()
        .catch((error) => logger.warn({ err: error }, 'final checkpoint not published'));
    },
  };
  return ledger;
}

export type Ledger = Awaited<ReturnType<typeof createLedger>>;
