/**
 * One stored entry held against the leaf the tree has for it (what `custos verify` does per index). The
 * lookup columns (time, type, actor, subject) must be what the leaf commits to: in a v2 leaf they are the
 * header itself, so a row whose columns were rewritten no longer hashes to its leaf, redacted or not; in a
 * v1 leaf they must agree with the entry bytes, and a redacted v1 row can only be taken on the tree's word.
 * A v3 header also holds `prev`, the chain link to the subject's previous entry (whether it points to the
 * right entry is the verifier's check, which sees the whole log).
 */
import { decodeEntry, isCanonical } from './entry-encoding.ts';
import { encodeHeader, payloadHashOf } from './entry-leaf.ts';
import type { StoredLedgerEntry } from './ledger.store.ts';
import { HASH_SIZE, leafHash } from './merkle-hash.ts';

export type EntryCheck =
  { ok: true; leaf: Buffer; redacted: boolean; retentionOlderThan?: number } | { ok: false; problem: string };

const bad = (problem: string): EntryCheck => ({ ok: false, problem });

function sameHeader(row: StoredLedgerEntry, bytes: Buffer, version: number) {
  const decoded = isCanonical(bytes) ? decodeEntry(bytes) : null;
  if (
    !decoded ||
    decoded.v !== version ||
    decoded.type !== row.type ||
    decoded.actor !== row.actor ||
    (decoded.subject ?? null) !== row.subject ||
    decoded.at !== row.at ||
    (decoded.prev ?? null) !== row.prev
  )
    return null;
  return decoded;
}

/** What a (non-redacted) retention entry says it redacted: entries older than `olderThan`. */
function retentionCutoff(decoded: { type: string; data: unknown }): number | undefined {
  if (decoded.type !== 'ledger.retention_applied') return undefined;
  const olderThan = (decoded.data as { olderThan?: unknown }).olderThan;
  return typeof olderThan === 'number' ? olderThan : undefined;
}

/**
 * Checks entry `row` against `storedLeaf`, the leaf hash the tree holds at its index (undefined if none).
 * On success returns the leaf to fold into the recomputed root.
 */
export function checkEntry(row: StoredLedgerEntry, storedLeaf: Buffer | undefined): EntryCheck {
  const i = row.index;
  if (row.entry !== null && row.redactedAt !== null)
    return bad(`entry ${i} is marked redacted but still holds content`);
  if (row.entry === null && row.redactedAt === null)
    return bad(`entry ${i} has no content and was not redacted by retention`);
  if (!storedLeaf) return bad(`entry ${i} has no leaf in the tree`);

  if (row.leafVersion === 2 || row.leafVersion === 3) {
    const version = row.leafVersion;
    if (!row.payloadHash || row.payloadHash.length !== HASH_SIZE)
      return bad(`entry ${i} has no payload hash (v${version} leaf)`);
    if (version === 2 && row.prev !== null) return bad(`entry ${i}: a v2 entry has no chain link`);
    let retentionOlderThan: number | undefined;
    if (row.entry) {
      const decoded = sameHeader(row, row.entry, version);
      if (!decoded) return bad(`entry ${i}: its lookup columns disagree with its signed content`);
      if (!payloadHashOf(decoded.data).equals(row.payloadHash))
        return bad(`entry ${i} does not match the leaf hash in the tree (payload altered)`);
      retentionOlderThan = retentionCutoff(decoded);
    }
    const leaf = leafHash(
      encodeHeader(
        {
          at: row.at,
          type: row.type,
          actor: row.actor,
          subject: row.subject,
          prev: row.prev,
          payloadHash: row.payloadHash,
        },
        version,
      ),
    );
    if (!leaf.equals(storedLeaf))
      return bad(
        `entry ${i} does not match the leaf hash in the tree (its time, type, actor, subject or chain link altered, or moved)`,
      );
    return { ok: true, leaf, redacted: row.entry === null, retentionOlderThan };
  }

  if (row.leafVersion === 1) {
    if (!row.entry) return { ok: true, leaf: storedLeaf, redacted: true };
    const leaf = leafHash(row.entry);
    if (!leaf.equals(storedLeaf))
      return bad(`entry ${i} does not match the leaf hash in the tree (altered or moved)`);
    const decoded = sameHeader(row, row.entry, 1);
    if (!decoded) return bad(`entry ${i}: its lookup columns disagree with its signed content`);
    return { ok: true, leaf, redacted: false, retentionOlderThan: retentionCutoff(decoded) };
  }
  return bad(`entry ${i} claims an unknown leaf format (${row.leafVersion})`);
}
