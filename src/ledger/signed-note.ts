/**
 * C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then one or more
 * lines `— <key name> base64(4-byte key ID || signature)`. Parsing is strict and total (malformed input gives
 * null, never an exception); opening a note verifies every signature from a known key and refuses the whole
 * note if any of them fails, as the spec recommends. Signatures from unknown keys are kept but not trusted.
 */
import { NoteFormatError } from './ledger-errors.ts';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note-keys.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/** Most signature lines a note may carry (the spec requires accepting at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_BYTES = 4;
// Control characters other than newline, and lone UTF-16 surrogates (text that was not valid UTF-8).
// Control characters in this regex are deliberate: the spec forbids control characters; this finds them.
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f]|[\uD800-\uDFFF]/u;

/** One signature line: the key's name, its 4-byte key ID, and the signature bytes after the key ID. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

/** A parsed note. `text` includes its final newline but not the blank separator line. */
export interface Note {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** The outcome of `openNote`: the trusted text, or why the note was refused. */
export type OpenedNote =
  | {
      readonly ok: true;
      readonly text: string;
      /** Signatures that verified under a given key, one per key. */
      readonly verified: readonly NoteSignature[];
      /** Signatures from keys not given; not checked, to be ignored or passed on. */
      readonly unknown: readonly NoteSignature[];
    }
  | {
      readonly ok: false;
      /** `malformed`: not a signed note; `invalid_signature`: a known key's signature failed;
       *  `no_trusted_signature`: no signature from a given key. */
      readonly reason: 'malformed' | 'invalid_signature' | 'no_trusted_signature';
    };

/**
 * Parses a signed note, returning null if it is malformed: invalid UTF-8, a control character other than
 * newline, no blank line, no signature, a signature line without its newline or not of the form
 * `— <name> <base64>`, a signature shorter than key ID + 1 byte, or more than `MAX_NOTE_SIGNATURES` lines.
 * The text is split from the signatures at the *last* blank line, so the text may contain blank lines.
 */
export function parseNote(input: string | Uint8Array): Note | null {
  const message = typeof input === 'string' ? input : decodeUtf8(input);
  if (message === null || FORBIDDEN.test(message)) return null;
  const split = message.lastIndexOf('\n\n');
  if (split < 0) return null;
  const block = message.slice(split + 2);
  if (!block.endsWith('\n')) return null;
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) return null;
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    if (signature === null) return null;
    signatures.push(signature);
  }
  return { text: message.slice(0, split + 1), signatures };
}

/**
 * Formats a note with its signature lines. Throws `NoteFormatError` if the result would not parse back to
 * the same note (text not ending in a newline, forbidden characters, a bad key name or key ID, no signature).
 */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0 || note.signatures.length > MAX_NOTE_SIGNATURES) {
    throw new NoteFormatError(`A note carries 1 to ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return `${note.text}\n${note.signatures.map((s) => `${formatSignatureLine(s)}\n`).join('')}`;
}

/** Formats one signature line, without its newline: `— <name> base64(keyId || signature)`. */
export function formatSignatureLine(signature: NoteSignature): string {
  if (!isValidKeyName(signature.name)) throw new NoteFormatError('Invalid key name');
  if (signature.keyId.length !== KEY_ID_BYTES) throw new NoteFormatError('A key ID is 4 bytes');
  const encoded = Buffer.concat([signature.keyId, signature.signature]).toString('base64');
  return `${SIGNATURE_PREFIX}${signature.name} ${encoded}`;
}

/**
 * Signs `text` with each signer and returns the note; format it with `formatNote`. To cosign an existing
 * note, append `signNote(note.text, [signer]).signatures` to its signatures.
 *
 * @example formatNote(signNote('custos.example/log\n42\n…\n', [logSigner]))
 */
export function signNote(text: string, signers: readonly NoteSigner[]): Note {
  checkText(text);
  const message = Buffer.from(text, 'utf8');
  return {
    text,
    signatures: signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) })),
  };
}

/**
 * Parses a signed note and checks its signatures against `verifiers`. A signature is from a known key when
 * both its name and its key ID match a verifier; such signatures must all verify or the whole note is
 * refused. The note is accepted only if at least one known key signed it. Only then may `text` be used.
 */
export function openNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const note = parseNote(input);
  if (note === null) return { ok: false, reason: 'malformed' };
  const message = Buffer.from(note.text, 'utf8');
  const verified: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  for (const signature of note.signatures) {
    const keys = verifiers.filter((v) => v.name === signature.name && v.keyId.equals(signature.keyId));
    if (keys.length === 0) {
      unknown.push(signature);
    } else if (!keys.some((k) => k.verify(message, signature.signature))) {
      return { ok: false, reason: 'invalid_signature' };
    } else if (!verified.some((v) => v.name === signature.name && v.keyId.equals(signature.keyId))) {
      verified.push(signature);
    }
  }
  if (verified.length === 0) return { ok: false, reason: 'no_trusted_signature' };
  return { ok: true, text: note.text, verified, unknown };
}

function parseSignatureLine(line: string): NoteSignature | null {
  if (!line.startsWith(SIGNATURE_PREFIX)) return null;
  const fields = line.slice(SIGNATURE_PREFIX.length).split(' ');
  if (fields.length !== 2) return null;
  const [name, encoded] = fields as [string, string];
  const bytes = decodeStrictBase64(encoded);
  if (!isValidKeyName(name) || bytes === null || bytes.length <= KEY_ID_BYTES) return null;
  return { name, keyId: bytes.subarray(0, KEY_ID_BYTES), signature: bytes.subarray(KEY_ID_BYTES) };
}

function checkText(text: string): void {
  if (!text.endsWith('\n') || FORBIDDEN.test(text)) {
    throw new NoteFormatError('Note text must end in a newline and hold no control character but newline');
  }
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
