/**
 * Which redactions `custos verify` accepts. Retention drops payloads of entries older than the floor and
 * then appends a `ledger.retention_applied` entry saying so (`olderThan`). A redacted entry is accepted only
 * if a later retention entry covers it: the entry is older than that entry's `olderThan`, and `olderThan`
 * itself honoured the floor (at least six months before the retention entry). Anything else — a recent
 * entry emptied by hand, or one emptied before any retention ran — is refused, naming its index.
 *
 * For a v2 leaf the entry's time comes from its header, which the tree commits to; for a redacted v1 leaf
 * only from the row's column, which nothing commits to (docs/LEDGER.md says what that leaves open).
 */
import { MIN_RETENTION_MS } from './retention-floor.ts';

export function createRedactionCheck(now: number) {
  /** Redacted entries not yet covered, in index order. */
  let pending: { index: number; at: number }[] = [];
  return {
    redacted(index: number, at: number): void {
      pending.push({ index, at });
    },

    /** A verified, unredacted retention entry appended at `at` that redacted entries before `olderThan`. */
    retention(at: number, olderThan: number): void {
      if (olderThan > at - MIN_RETENTION_MS) return; // it did not honour the floor: it covers nothing
      pending = pending.filter((p) => p.at >= olderThan);
    },

    /** The first redaction nothing covers, as a problem; undefined when every redaction is covered. */
    firstUncovered(): { index: number; problem: string } | undefined {
      const first = pending[0];
      if (!first) return undefined;
      const young = first.at > now - MIN_RETENTION_MS;
      return {
        index: first.index,
        problem: young
          ? `entry ${first.index} was redacted though younger than the retention floor (six months): content erased by hand`
          : `entry ${first.index} was redacted but no ledger.retention_applied entry after it covers it`,
      };
    },
  };
}
