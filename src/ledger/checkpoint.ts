/**
 * C2SP tlog checkpoints (c2sp.org/tlog-checkpoint): the signed-note text `<origin>\n<size>\n<base64 root>\n`
 * followed by optional non-empty extension lines. A checkpoint commits the log to one tree head; `custos
 * verify`, auditors and witnesses compare checkpoints with consistency proofs. Parsing is strict: one
 * canonical spelling per checkpoint, so two different strings never claim the same tree head.
 */
import { NoteFormatError } from './ledger-errors.ts';
import { HASH_SIZE } from './merkle-hash.ts';
import type { NoteSigner, NoteVerifier } from './note-keys.ts';
import { formatNote, type NoteSignature, openNote, signNote } from './signed-note.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/** A tree head: the log's origin line, its size, its RFC 9162 root hash, and any extension lines. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

/** The outcome of `openCheckpoint`. */
export type OpenedCheckpoint =
  | {
      readonly ok: true;
      readonly checkpoint: Checkpoint;
      readonly verified: readonly NoteSignature[];
      readonly unknown: readonly NoteSignature[];
    }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'invalid_signature' | 'no_trusted_signature' | 'wrong_origin';
    };

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
// Control characters in this regex are deliberate: the spec forbids control characters; this finds them.
const CONTROL = /[\u0000-\u001f]/;

/**
 * Parses a checkpoint body (the note text, not the signatures). Returns null unless it is at least three
 * non-empty lines each ending in a newline: an origin, a decimal size without leading zeros that fits in a
 * safe integer, a canonical base64 root of exactly 32 bytes, then extension lines.
 */
export function parseCheckpoint(text: string): Checkpoint | null {
  if (!text.endsWith('\n') || CONTROL.test(text.slice(0, -1).replaceAll('\n', ''))) return null;
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((line) => line.length === 0)) return null;
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeLine)) return null;
  const size = Number(sizeLine);
  const rootHash = decodeStrictBase64(rootLine);
  if (!Number.isSafeInteger(size) || rootHash === null || rootHash.length !== HASH_SIZE) return null;
  return { origin, size, rootHash, extensions };
}

/**
 * Formats a checkpoint body. Only the layout is checked here (non-empty single-line origin and extensions,
 * a non-negative safe-integer size, a non-empty root); `signCheckpoint` also insists on a 32-byte root.
 * Throws `NoteFormatError`.
 *
 * @example formatCheckpoint({ origin: 'Log', size: 123, rootHash, extensions: [] }) // 'Log\n123\n<b64>\n'
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  for (const line of [origin, ...extensions]) {
    if (line.length === 0 || CONTROL.test(line))
      throw new NoteFormatError('Checkpoint lines are non-empty text');
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new NoteFormatError('Tree size must be a safe integer');
  if (rootHash.length === 0) throw new NoteFormatError('Root hash is empty');
  return [origin, String(size), rootHash.toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
}

/** Signs a checkpoint with each signer and returns the signed note. Throws `NoteFormatError` if invalid. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  if (checkpoint.rootHash.length !== HASH_SIZE) throw new NoteFormatError('Root hash must be 32 bytes');
  return formatNote(signNote(formatCheckpoint(checkpoint), signers));
}

/**
 * Opens a signed checkpoint: the note must be signed by one of `verifiers` (the log's keys; witness
 * cosignatures are checked separately), its text must parse as a checkpoint, and its origin must equal
 * `origin`. The origin is compared with what the caller expects, not with the signing key's name: the spec
 * only recommends they match, and sum.golang.org's do not.
 */
export function openCheckpoint(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin: string,
): OpenedCheckpoint {
  const note = openNote(input, verifiers);
  if (!note.ok) return note;
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint === null) return { ok: false, reason: 'malformed' };
  if (checkpoint.origin !== origin) return { ok: false, reason: 'wrong_origin' };
  return { ok: true, checkpoint, verified: note.verified, unknown: note.unknown };
}
