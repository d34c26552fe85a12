/**
 * Entity versions: how every in-memory cache in front of a table learns, exactly, that the table changed —
 * whoever wrote it (this process, another node, the `custos` CLI, a DBA's UPDATE). Database triggers bump a
 * per-table counter in one row on every write (migration 2026-12-11T0957); a cache calls `refresh()` before
 * each lookup, and each table whose counter differs from the one last read fires its watchers (the caches
 * drop what they hold). No TTL: a change committed before a lookup starts is seen by that lookup.
 *
 * Why it is exact: a cache fills only from reads that start after a refresh resolved, and keeps the fill only
 * if no watcher fired in between (versioned-cache.ts). A write committed after the refresh's read moves the
 * counter, so the next refresh drops the fill. Counters are compared for inequality, not order: a reading
 * that cannot be trusted (SQLite inside an open transaction) is NaN, which differs from everything, so it
 * drops everything and the next trustworthy reading drops it again.
 *
 * PostgreSQL: concurrent refreshes share one query, but a caller only joins a query that starts after its
 * call (never one already in flight, which may predate the write it must see).
 */
import type { VersionReader, VersionRow, WatchedTable } from './change-versions.store.ts';

export type { WatchedTable };

export interface ChangeVersions {
  /**
   * Read the counters; for each that moved, run its watchers (awaiting those that return a promise; one
   * that fails leaves its tables to be re-run by the next refresh). Undefined when nothing was awaited.
   */
  refresh(): Promise<void> | undefined;
  /** Call `onMove` whenever one of `tables` changed since the last refresh (and on the first). */
  watch(tables: readonly WatchedTable[], onMove: () => void | Promise<void>): void;
}

export function createChangeVersions(reader: VersionReader): ChangeVersions {
  interface Watcher {
    tables: readonly WatchedTable[];
    onMove: () => void | Promise<void>;
    /** Its asynchronous reaction while it runs: every refresh meanwhile waits for it too. */
    running?: Promise<void>;
  }
  const watchers: Watcher[] = [];
  const last = new Map<WatchedTable, number>();

  function react(watcher: Watcher): void {
    const result = watcher.onMove();
    if (!result) return;
    const running = result.then(
      () => {
        if (watcher.running === running) watcher.running = undefined;
      },
      (error: unknown) => {
        if (watcher.running === running) watcher.running = undefined;
        for (const table of watcher.tables) last.set(table, Number.NaN);
        throw error;
      },
    );
    watcher.running = running;
  }

  function apply(row: VersionRow | null): Promise<void> | undefined {
    const moved = new Set<WatchedTable>();
    for (const { tables } of watchers) {
      for (const table of tables) {
        const now = row ? Number(row[table]) : Number.NaN;
        if (last.get(table) !== now || Number.isNaN(now)) moved.add(table);
        last.set(table, now);
      }
    }
    for (const watcher of watchers) if (watcher.tables.some((table) => moved.has(table))) react(watcher);
    const pending = watchers.flatMap((watcher) => (watcher.running ? [watcher.running] : []));
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  }

  function watch(tables: readonly WatchedTable[], onMove: () => void | Promise<void>): void {
    watchers.push({ tables, onMove });
  }

  if (reader.sync) {
    return { refresh: () => apply(reader.read()), watch };
  }
  // Asynchronous reader (PostgreSQL): callers that arrive while a query runs share the next one.
  const { read } = reader;
  let inFlight: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  function refresh(): Promise<void> {
    if (!inFlight) {
      inFlight = read()
        .then(apply)
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    }
    next ??= inFlight
      .catch(() => {})
      .then(() => {
        next = undefined;
        return refresh();
      });
    return next;
  }
  return { refresh, watch };
}
