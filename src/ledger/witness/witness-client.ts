/**
 * The log's side of C2SP tlog-witness: one `add-checkpoint` call over HTTP (global fetch), its answer turned
 * into a typed result. Nothing here throws for a refusal or a network failure; the caller decides. A 409 is
 * the one answer to act on: it carries the witness's size, so the log can resend from that size with the
 * matching consistency proof.
 */
import { NoteFormatError } from '../ledger-errors.ts';
import type { NoteVerifier } from '../note-keys.ts';
import { type NoteSignature, parseNote } from '../signed-note.ts';
import {
  formatAddCheckpointRequest,
  parseTreeSizeBody,
  TREE_SIZE_MEDIA_TYPE,
} from './add-checkpoint-request.ts';
import { openCosignatures } from './cosignature.ts';

/** One add-checkpoint call. */
export interface CosignatureRequest {
  /** The witness's submission prefix, e.g. `https://witness.example/`; `add-checkpoint` is resolved under it. */
  readonly url: string;
  /** The size of the checkpoint the witness last cosigned, as the log believes (0 for none). */
  readonly oldSize: number;
  /** The consistency proof from `oldSize` to the new checkpoint (empty when `oldSize` is 0). */
  readonly proof: readonly Buffer[];
  /** The log-signed checkpoint note. */
  readonly signedNote: string;
  /** The witness's cosigner key: when given, only lines that verify under it are returned. */
  readonly witness?: NoteVerifier;
  /** Abort after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** For tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Why a witness did not cosign, by its answer. */
export type CosignatureFailure =
  | 'unknown_origin' // 404: the witness does not follow this log
  | 'forbidden' // 403: it does not trust the log's signature
  | 'bad_request' // 400: malformed request, or old size above the checkpoint's
  | 'bad_proof' // 422: the proof did not verify (the log's history does not extend the witnessed one)
  | 'bad_cosignature' // 200, but no line verifies under the witness's key
  | 'bad_response' // an answer that does not follow the protocol
  | 'unexpected_status' // any other status (5xx, …)
  | 'unreachable'; // no answer: connection refused, timeout

/** The result of `requestCosignature`. */
export type CosignatureResponse =
  | {
      readonly ok: true;
      /** The cosignatures returned (only the verified ones when `witness` was given). */
      readonly cosignatures: readonly NoteSignature[];
    }
  | {
      readonly ok: false;
      readonly reason: 'conflict';
      readonly status: 409;
      /** The size of the latest checkpoint the witness cosigned: resend from it. */
      readonly witnessSize: number;
    }
  | {
      readonly ok: false;
      readonly reason: CosignatureFailure;
      readonly status?: number;
      readonly message: string;
    };

const FAILURE_BY_STATUS: Record<number, CosignatureFailure> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'unknown_origin',
  422: 'bad_proof',
};

/**
 * Asks a witness to cosign `signedNote`. Throws only for a caller's mistake (a note that does not parse,
 * a bad size or proof); every witness or network outcome is a result.
 *
 * @example
 * const answer = await requestCosignature({ url, oldSize: 0, proof: [], signedNote, witness });
 * if (!answer.ok && answer.reason === 'conflict') retryFrom(answer.witnessSize);
 */
export async function requestCosignature(request: CosignatureRequest): Promise<CosignatureResponse> {
  const note = parseNote(request.signedNote);
  if (note === null) throw new NoteFormatError('The checkpoint to cosign is not a signed note');
  const body = formatAddCheckpointRequest({
    oldSize: request.oldSize,
    proof: request.proof,
    signedCheckpoint: request.signedNote,
  });
  const endpoint = new URL('add-checkpoint', request.url.endsWith('/') ? request.url : `${request.url}/`);
  let status: number;
  let text: string;
  let mediaType: string;
  try {
    const response = await (request.fetch ?? fetch)(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
    });
    status = response.status;
    mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    text = await response.text();
  } catch (cause) {
    return { ok: false, reason: 'unreachable', message: `No answer from the witness: ${describe(cause)}` };
  }
  if (status === 409) {
    const witnessSize = mediaType === TREE_SIZE_MEDIA_TYPE ? parseTreeSizeBody(text) : null;
    if (witnessSize === null) return failure('bad_response', status, 'A 409 without a text/x.tlog.size body');
    return { ok: false, reason: 'conflict', status: 409, witnessSize };
  }
  if (status !== 200) {
    const reason = FAILURE_BY_STATUS[status] ?? 'unexpected_status';
    return failure(reason, status, `The witness answered ${status}: ${text.trim().slice(0, 200)}`);
  }
  return readCosignatures(note.text, text, request.witness);
}

function readCosignatures(
  checkpointBody: string,
  lines: string,
  witness: NoteVerifier | undefined,
): CosignatureResponse {
  if (witness === undefined) {
    const parsed = parseNote(`${checkpointBody}\n${lines}`);
    return parsed === null
      ? failure('bad_response', 200, 'The answer is not note signature lines')
      : { ok: true, cosignatures: parsed.signatures };
  }
  const opened = openCosignatures(checkpointBody, lines, [witness]);
  if (opened.ok) return { ok: true, cosignatures: opened.cosignatures };
  return opened.reason === 'malformed'
    ? failure('bad_response', 200, 'The answer is not note signature lines')
    : failure('bad_cosignature', 200, 'No cosignature verifies under the witness key');
}

function failure(reason: CosignatureFailure, status: number, message: string): CosignatureResponse {
  return { ok: false, reason, status, message };
}

function describe(cause: unknown): string {
  const error = cause as { name?: string; cause?: { code?: string } };
  return error?.cause?.code ?? error?.name ?? 'unknown error';
}
