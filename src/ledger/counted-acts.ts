/**
 * The acts quotas count, as this process appended them. Quotas read the ledger's lookup columns, and
 * whoever can write the database can rewrite those (or empty a row to look redacted) to make an act vanish
 * from a count. `custos verify` catches that afterwards (a v2 leaf commits to the columns); this keeps it
 * from freeing a quota meanwhile: the entries this process wrote in the last week are held here, from what
 * was appended rather than what is stored, and counts take the union of both. An edit to storage can then
 * only add to a count, never take from it.
 *
 * After a restart the past week is read back from storage and held against the signed tree first
 * (recent-acts-audit.ts). What it does not cover: entries other processes (other API nodes) append while
 * this one runs are counted from storage alone (docs/LEDGER.md).
 */
import type { EntryType } from './entry-types.ts';

/** Entry types that quotas and rate limits count, and how long they are counted for (the longest window). */
export const countedTypes: ReadonlySet<EntryType> = new Set<EntryType>([
  'customer.revealed',
  'customer.searched',
  'presence_code.failed',
]);
export const COUNTED_WINDOW_MS = 8 * 24 * 3600 * 1000;

/** One counted act: its leaf index, time and subject. */
export interface CountedAct {
  index: number;
  at: number;
  subject: string | null;
}

export function createCountedActs() {
  const acts = new Map<string, CountedAct[]>();
  const keyOf = (actor: string, type: string) => `${type}\u0000${actor}`;
  let newest = 0;
  let sinceSweep = 0;

  /** Drop what no window can reach any more, so memory holds a week of counted acts at most. */
  const sweep = () => {
    const horizon = newest - COUNTED_WINDOW_MS;
    for (const [key, list] of acts) {
      const keep = list.filter((a) => a.at >= horizon);
      if (keep.length === 0) acts.delete(key);
      else if (keep.length !== list.length) acts.set(key, keep);
    }
  };

  return {
    /** Note an entry this process appended (durably), if it is of a counted type. */
    appended(entry: { index: number; at: number; type: string; actor: string; subject: string | null }) {
      if (!countedTypes.has(entry.type as EntryType)) return;
      const key = keyOf(entry.actor, entry.type);
      const list = acts.get(key) ?? [];
      list.push({ index: entry.index, at: entry.at, subject: entry.subject });
      acts.set(key, list);
      newest = Math.max(newest, entry.at);
      if (++sinceSweep >= 4096) {
        sinceSweep = 0;
        sweep();
      }
    },

    /** The acts of `actor` of `type` at or after `since` that this process appended. */
    since(actor: string, type: string, since: number): CountedAct[] {
      return (acts.get(keyOf(actor, type)) ?? []).filter((a) => a.at >= since);
    },
  };
}

/** The union of stored and appended acts, by leaf index; what this process appended wins. */
export function unionOfActs(stored: readonly CountedAct[], appended: readonly CountedAct[]): CountedAct[] {
  const byIndex = new Map<number, CountedAct>();
  for (const act of stored) byIndex.set(act.index, act);
  for (const act of appended) byIndex.set(act.index, act);
  return [...byIndex.values()];
}
