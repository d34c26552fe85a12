/**
 * A bounded in-memory map in front of database reads, emptied whenever entity versions say one of its
 * tables changed (change-versions.ts). Every lookup refreshes the versions first, so it answers what the
 * database held when the lookup began — a suspension, revocation or reassignment committed by anyone is
 * seen by the very next lookup.
 *
 * Invariant: a value loaded from the database is kept only if no change was seen between the start of its
 * load and its arrival; absent rows are never kept (a later insert needs no invalidation). Values are
 * shared between callers: the cache freezes them, so a caller cannot change what the next one reads.
 *
 * @example
 * const members = createVersionedCache<StaffMember>(changes, ['staff']);
 * const member = await members.get(staffId, () => store.byId(staffId));
 */
import type { ChangeVersions, WatchedTable } from './change-versions.ts';

export interface VersionedCache<V> {
  /** The value under `key`, from memory, or `load`ed (and kept) on a miss. */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  /** Drop one key (its row was changed in a way the versions do not watch). */
  forget(key: string): void;
}

/** Entries kept per cache at most; the oldest go first. */
const DEFAULT_LIMIT = 50_000;

export function createVersionedCache<V extends object>(
  changes: ChangeVersions,
  tables: readonly WatchedTable[],
  limit = DEFAULT_LIMIT,
): VersionedCache<V> {
  const entries = new Map<string, V>();
  let generation = 0;
  changes.watch(tables, () => {
    entries.clear();
    generation++;
  });
  return {
    async get(key, load) {
      const refreshed = changes.refresh();
      if (refreshed) await refreshed;
      const hit = entries.get(key);
      if (hit !== undefined) return hit;
      const loadedAt = generation;
      const value = await load();
      if (value !== undefined && loadedAt === generation) {
        if (entries.size >= limit) entries.delete(entries.keys().next().value as string);
        entries.set(key, deepFreeze(value));
      }
      return value;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}

function deepFreeze<V extends object>(value: V): V {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null && !Object.isFrozen(field) && !Buffer.isBuffer(field)) {
      deepFreeze(field);
    }
  }
  return Object.freeze(value);
}

/** No memory: every lookup loads (for a service built without a cache, as some tests build them). */
export function readThrough<V>(): VersionedCache<V> {
  return { get: (_key, load) => load(), forget: () => {} };
}
