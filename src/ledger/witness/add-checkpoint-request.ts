/**
 * The wire format of C2SP tlog-witness `add-checkpoint` (c2sp.org/tlog-witness): the request body
 * `old <size>\n`, up to 63 consistency-proof hashes in base64 one per line, an empty line, then the signed
 * checkpoint; and the `text/x.tlog.size` body (`<size>\n`) of a 409 answer. Parsing is strict and total:
 * anything else is refused with a reason, never half-read.
 */
import { HASH_SIZE } from '../merkle-hash.ts';
import { decodeStrictBase64 } from '../strict-base64.ts';

/** Most consistency-proof lines a request may carry (the spec's limit). */
export const MAX_PROOF_LINES = 63;

/** Media type of the witness's size answer (409). */
export const TREE_SIZE_MEDIA_TYPE = 'text/x.tlog.size';

/** A parsed add-checkpoint request. The checkpoint is still unverified: just the signed note's text. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Buffer[];
  readonly signedCheckpoint: string;
}

/** The outcome of `parseAddCheckpointRequest`; `problem` says what is wrong, naming no checkpoint data. */
export type ParsedAddCheckpointRequest =
  ({ readonly ok: true } & AddCheckpointRequest) | { readonly ok: false; readonly problem: string };

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses an add-checkpoint request body. The header ends at the first empty line; everything after it is
 * the signed checkpoint, returned as text for the note parser (which has its own strict rules).
 */
export function parseAddCheckpointRequest(body: string | Uint8Array): ParsedAddCheckpointRequest {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  if (text === null) return { ok: false, problem: 'the body is not UTF-8' };
  const end = text.indexOf('\n\n');
  if (end < 0) return { ok: false, problem: 'no empty line ends the header' };
  const [oldLine = '', ...proofLines] = text.slice(0, end).split('\n');
  if (!oldLine.startsWith('old ')) return { ok: false, problem: 'the first line is not "old <size>"' };
  const oldSize = parseTreeSize(oldLine.slice(4));
  if (oldSize === null) return { ok: false, problem: 'the old size is not a canonical decimal tree size' };
  if (proofLines.length > MAX_PROOF_LINES) {
    return { ok: false, problem: `more than ${MAX_PROOF_LINES} consistency proof lines` };
  }
  const proof: Buffer[] = [];
  for (const line of proofLines) {
    const hash = decodeStrictBase64(line);
    if (hash === null || hash.length !== HASH_SIZE) {
      return { ok: false, problem: 'a consistency proof line is not a base64 SHA-256 hash' };
    }
    proof.push(hash);
  }
  return { ok: true, oldSize, proof, signedCheckpoint: text.slice(end + 2) };
}

/**
 * Formats an add-checkpoint request body. Throws `RangeError` for a size that is not a non-negative safe
 * integer, a proof hash that is not 32 bytes, or more than 63 of them.
 *
 * @example formatAddCheckpointRequest({ oldSize: 0, proof: [], signedCheckpoint: note }) // 'old 0\n\n' + note
 */
export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  const { oldSize, proof, signedCheckpoint } = request;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new RangeError('The old size is not a tree size');
  if (proof.length > MAX_PROOF_LINES || proof.some((hash) => hash.length !== HASH_SIZE)) {
    throw new RangeError(`A proof is at most ${MAX_PROOF_LINES} hashes of ${HASH_SIZE} bytes`);
  }
  return `old ${oldSize}\n${proof.map((hash) => `${hash.toString('base64')}\n`).join('')}\n${signedCheckpoint}`;
}

/** Parses a `text/x.tlog.size` body (`<decimal size>\n`), or returns null. */
export function parseTreeSizeBody(body: string): number | null {
  return body.endsWith('\n') ? parseTreeSize(body.slice(0, -1)) : null;
}

/** A canonical decimal tree size (no sign, no leading zeros) that fits a safe integer, or null. */
function parseTreeSize(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const size = Number(text);
  return Number.isSafeInteger(size) ? size : null;
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
