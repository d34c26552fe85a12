/**
 * Leaf formats. What the Merkle tree commits to for each entry:
 *
 * - **v1** (ledgers written before the header leaf): the leaf is SHA-256(0x00 ‖ canonical entry). Once
 *   retention drops the entry, nothing stored can be checked against the leaf any more: not its time, type,
 *   actor or subject.
 * - **v2**: the leaf is SHA-256(0x00 ‖ canonical header), the header being `{ v: 2, at, type, actor,
 *   subject?, payload }` with `payload` the base64 SHA-256 of the canonical `data`. Retention drops only the
 *   payload; the header is rebuilt from the row's lookup columns and its payload hash, so the columns that
 *   quotas and "who accessed my data" read are exactly what the tree commits to, redacted or not.
 * - **v3**: the v2 header with `prev` — for an entry about a subject, the index of the entry before it about
 *   the same subject (absent for the first). Each subject's entries form a chain the tree commits to, so a
 *   history that leaves one out, or a stored `prev` changed, no longer checks (subject-map.ts, verifier.ts).
 *
 * The stored entry bytes stay the whole canonical entry (`{ v: 2, at, type, actor, subject?, data }`): what
 * callers read does not change shape, only what is hashed does.
 */
import { createHash, hash } from 'node:crypto';
import { canonicalJson, encodeEntry } from './entry-encoding.ts';
import type { LedgerEntry } from './entry-types.ts';
import { leafHash } from './merkle-hash.ts';

/** The leaf format new entries are written in. */
export const LEAF_VERSION = 3;

/** What a v2 leaf commits to: the entry's header and the hash of its redactable payload. */
export interface EntryHeader {
  at: number;
  type: string;
  actor: string;
  subject: string | null;
  /** v3: the previous entry about the same subject (null: none, or no subject). */
  prev?: number | null;
  /** SHA-256 of the canonical `data`. */
  payloadHash: Buffer;
}

/** SHA-256 of the canonical encoding of an entry's payload (`data`). */
export function payloadHashOf(data: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(data), 'utf8').digest();
}

/** The canonical bytes a v2 or v3 leaf hashes. */
export function encodeHeader(header: EntryHeader, version: 2 | 3 = 2): Buffer {
  return Buffer.from(
    canonicalJson({
      v: version,
      at: header.at,
      type: header.type,
      actor: header.actor,
      subject: header.subject ?? undefined,
      prev: version === 3 ? (header.prev ?? undefined) : undefined,
      payload: header.payloadHash.toString('base64'),
    }),
    'utf8',
  );
}

/** An entry ready to store: its bytes, its header's payload hash, and its leaf hash. */
export interface SealedEntry {
  bytes: Buffer;
  payloadHash: Buffer;
  leaf: Buffer;
}

/** Encodes a v2 or v3 entry (by its `v`) and computes the leaf that commits to its header and payload hash. */
export function sealEntry(entry: LedgerEntry): SealedEntry {
  const dataJson = canonicalJson(entry.data);
  const payloadHash = hash('sha256', dataJson, 'buffer');
  const header = encodeHeader(
    {
      at: entry.at,
      type: entry.type,
      actor: entry.actor,
      subject: entry.subject ?? null,
      prev: entry.prev ?? null,
      payloadHash,
    },
    entry.v === 2 ? 2 : 3,
  );
  return { bytes: encodeEntry(entry, dataJson), payloadHash, leaf: leafHash(header) };
}
