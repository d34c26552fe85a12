/**
 * Per subject, the newest committed entry about it: what the sequencer names as the next entry's `prev`
 * (the per-subject chain of leaf format v3), and what the subject map (subject-map.ts) commits to at each
 * checkpoint.
 *
 * Entries are told here once durable (`committed`), whoever wrote them (this process, or another node whose
 * rows the sequencer read back). Map updates wait in `pending` and are folded in when a checkpoint is signed
 * (`rootFor`), so an append pays one Map write, and a checkpoint the hashing of the subjects changed since
 * the last one. The roots of the last few checkpoints stay held so histories can be proved against them.
 *
 * Invariant: the map covers exactly the entries below the sequencer's committed size when read in the same
 * tick as it (both move synchronously when a batch commits). Another writer's entries, learnt while this
 * writer's batch is being rebuilt on top of them (`ahead`), chain at once but join the map only with the
 * batch that commits above them.
 */
import { applySubjects, mapKey, type MapNode, mapRoot, type MapProof, proveKey } from './subject-map.ts';

/** How many checkpoints' map roots stay provable. */
const KEPT_VERSIONS = 16;

export interface SubjectEntry {
  index: number;
  subject: string | null;
}

export function createSubjectIndex(options: { map: boolean }) {
  const latest = new Map<string, number>();
  let pending = new Map<string, number>();
  let tree: MapNode = null;
  const versions = new Map<number, MapNode>();
  let ahead: SubjectEntry[] = [];
  const aheadLatest = new Map<string, number>();

  function learn(entries: readonly SubjectEntry[]): void {
    for (const { index, subject } of entries) {
      if (subject === null) continue;
      const known = latest.get(subject);
      if (known !== undefined && known >= index) continue;
      latest.set(subject, index);
      if (options.map) pending.set(subject, index);
    }
  }

  function fold(): MapNode {
    if (pending.size > 0) {
      tree = applySubjects(tree, pending);
      pending = new Map();
    }
    return tree;
  }

  return {
    /** Whether checkpoints commit to the subject map. */
    mapped: options.map,

    /** The newest durable entry about `subject`, if any. */
    prevOf(subject: string): number | undefined {
      const mine = latest.get(subject);
      const other = aheadLatest.get(subject);
      return other !== undefined && (mine === undefined || other > mine) ? other : mine;
    },

    /** Entries durable and below the committed size (any order); an older index never replaces a newer one. */
    committed(entries: readonly SubjectEntry[]): void {
      if (ahead.length > 0) {
        learn(ahead);
        ahead = [];
        aheadLatest.clear();
      }
      learn(entries);
    },

    /** Another writer's durable entries above the committed size: chained on now, mapped with the next commit. */
    ahead(entries: readonly SubjectEntry[]): void {
      for (const e of entries) {
        ahead.push(e);
        if (e.subject !== null && !((aheadLatest.get(e.subject) ?? -1) >= e.index))
          aheadLatest.set(e.subject, e.index);
      }
    },

    /** The map root over everything committed so far, kept provable as the checkpoint of `size`. */
    rootFor(size: number): Buffer {
      const node = fold();
      versions.set(size, node);
      if (versions.size > KEPT_VERSIONS) versions.delete(versions.keys().next().value as number);
      return mapRoot(node);
    },

    /** The map proof for `subject` at the checkpoint of `size`; undefined when that root is not held. */
    proof(subject: string, size: number): MapProof | undefined {
      if (!versions.has(size)) return undefined;
      return proveKey(versions.get(size) as MapNode, mapKey(subject));
    },

    /** How many subjects have entries. */
    subjects: () => latest.size,
  };
}

export type SubjectIndex = ReturnType<typeof createSubjectIndex>;
