/**
 * The witness's decision on an add-checkpoint request (c2sp.org/tlog-witness), independent of HTTP. It
 * cosigns a log's checkpoint only if the log's own key signed it and it provably extends the last checkpoint
 * the witness cosigned for that origin, so a log cannot show different histories to different people
 * (a fork) or take entries back (a rollback) without the witness refusing and keeping the evidence.
 *
 * Checks run in the order the spec lists them, each with the status it prescribes: malformed → 400; unknown
 * origin → 404; no valid signature from a trusted key → 403; old size above the checkpoint's → 400; old size
 * other than the witness's → 409 with its size; same size, different root (a fork) → 409; proof that does
 * not verify → 422. The old-size check and the recording of the new checkpoint run under one per-origin
 * lock, and the answer is given only once the new state is on disk.
 */
import { type Checkpoint, openCheckpoint, parseCheckpoint } from '../checkpoint.ts';
import { emptyRoot } from '../merkle-hash.ts';
import type { NoteVerifier } from '../note-keys.ts';
import { verifyConsistency } from '../proof-verification.ts';
import { formatNote, formatSignatureLine, type NoteSignature, parseNote, signNote } from '../signed-note.ts';
import { type AddCheckpointRequest, parseAddCheckpointRequest } from './add-checkpoint-request.ts';
import type { Cosigner } from './cosignature.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { CosignedCheckpoint, WitnessState } from './witness-state.ts';

/** A log the witness follows: its origin line and the keys trusted to sign its checkpoints. */
export interface WitnessedLog {
  readonly origin: string;
  readonly verifiers: readonly NoteVerifier[];
}

/** Why a checkpoint was not cosigned; `REFUSAL_STATUS` gives each its HTTP status. */
export type AddCheckpointRefusal = keyof typeof REFUSAL_STATUS;

/** The HTTP status tlog-witness prescribes for each refusal. */
export const REFUSAL_STATUS = {
  malformed_request: 400, // not "old <size>\n", proof lines, empty line, checkpoint
  malformed_checkpoint: 400, // the checkpoint is not a signed note holding a checkpoint
  old_size_too_large: 400, // old size above the checkpoint's size
  unknown_origin: 404, // the witness does not follow this log
  untrusted_signature: 403, // no signature from a trusted key of the log
  invalid_signature: 403, // a trusted key's signature line fails to verify
  old_size_mismatch: 409, // old size is not the size the witness last cosigned
  fork: 409, // same size as the witness's checkpoint, different root hash
  bad_proof: 422, // the consistency proof does not lead from the witness's root to the new one
  unexpected_proof: 422, // a proof where none can exist (old size 0, or the same tree)
  empty_tree_root: 422, // a size-0 checkpoint whose root is not the empty tree's
} as const;

/** The answer to one add-checkpoint request. */
export type AddCheckpointOutcome =
  | {
      readonly ok: true;
      /** The witness's cosignature line(s), each `— <name> <base64>\n`: the 200 response body. */
      readonly cosignatures: string;
      readonly checkpoint: Checkpoint;
    }
  | AddCheckpointRefused;

/** A refused add-checkpoint request. */
export interface AddCheckpointRefused {
  readonly ok: false;
  readonly reason: AddCheckpointRefusal;
  readonly status: (typeof REFUSAL_STATUS)[AddCheckpointRefusal];
  /** For the operator: names sizes, never checkpoint contents. */
  readonly message: string;
  /** With status 409: the size of the latest checkpoint the witness cosigned for the origin. */
  readonly witnessSize?: number;
}

/** A refused checkpoint that carried a valid log signature: signed proof that the log misbehaved. */
export interface Misbehaviour {
  readonly reason: 'fork' | 'bad_proof';
  readonly origin: string;
  readonly request: AddCheckpointRequest;
  /** The witness's own latest cosigned checkpoint it was checked against. */
  readonly cosigned: CosignedCheckpoint;
}

/** What a witness needs: its key, the logs it follows, its durable state, and where to report misbehaviour. */
export interface WitnessDeps {
  readonly cosigner: Cosigner;
  readonly logs: readonly WitnessedLog[];
  readonly state: WitnessState;
  /** Called (and awaited) before a fork or bad proof is refused; should keep the evidence. */
  readonly onMisbehaviour?: (evidence: Misbehaviour) => Promise<void> | void;
}

/**
 * A witness. `addCheckpoint` takes a raw request body and returns the outcome; it rejects only if the state
 * cannot be written (then nothing was cosigned and the state is unchanged).
 *
 * @example
 * const witness = createWitness({ cosigner, logs: [{ origin, verifiers: [logVerifier] }], state });
 * const outcome = await witness.addCheckpoint(body); // outcome.ok ? 200 : outcome.status
 */
export function createWitness(deps: WitnessDeps) {
  const logs = new Map(deps.logs.map((log) => [log.origin, log]));
  const serially = createKeyedQueue();

  async function addCheckpoint(body: string | Uint8Array): Promise<AddCheckpointOutcome> {
    const request = parseAddCheckpointRequest(body);
    if (!request.ok) return refuse('malformed_request', `Malformed request: ${request.problem}`);
    const note = parseNote(request.signedCheckpoint);
    const claimed = note === null ? null : parseCheckpoint(note.text);
    if (note === null || claimed === null) {
      return refuse('malformed_checkpoint', 'The checkpoint is not a signed checkpoint');
    }
    const log = logs.get(claimed.origin);
    if (log === undefined) return refuse('unknown_origin', 'This witness does not follow that log');
    const opened = openCheckpoint(request.signedCheckpoint, log.verifiers, log.origin);
    if (!opened.ok) {
      return opened.reason === 'invalid_signature'
        ? refuse('invalid_signature', 'A signature by a trusted log key does not verify')
        : refuse('untrusted_signature', 'The checkpoint carries no signature by a trusted log key');
    }
    const { checkpoint } = opened;
    if (request.oldSize > checkpoint.size) {
      return refuse('old_size_too_large', `Old size ${request.oldSize} exceeds size ${checkpoint.size}`);
    }
    if (checkpoint.size === 0 && !checkpoint.rootHash.equals(emptyRoot())) {
      return refuse('empty_tree_root', 'A checkpoint of size 0 must have the empty tree root');
    }
    return serially(log.origin, async () => {
      const latest = deps.state.latest(log.origin);
      const witnessSize = latest?.size ?? 0;
      if (request.oldSize !== witnessSize) {
        const message = `Old size ${request.oldSize} is not the witnessed size ${witnessSize}`;
        return refuse('old_size_mismatch', message, witnessSize);
      }
      const refusal =
        latest === undefined ? firstCheckpoint(request) : extension(latest, request, checkpoint);
      if (refusal !== null) {
        if (latest !== undefined && (refusal.reason === 'fork' || refusal.reason === 'bad_proof')) {
          await deps.onMisbehaviour?.({
            reason: refusal.reason,
            origin: log.origin,
            request,
            cosigned: latest,
          });
        }
        return refusal;
      }
      const [cosignature] = signNote(note.text, [deps.cosigner]).signatures as [NoteSignature];
      const stored = formatNote({ text: note.text, signatures: [...opened.verified, cosignature] });
      await deps.state.record(log.origin, {
        size: checkpoint.size,
        rootHash: checkpoint.rootHash,
        note: stored,
      });
      return { ok: true, cosignatures: `${formatSignatureLine(cosignature)}\n`, checkpoint };
    });
  }

  return { addCheckpoint, vkey: deps.cosigner.vkey, origins: [...logs.keys()] };
}

export type Witness = ReturnType<typeof createWitness>;

/** Trust on first use: the witness has no checkpoint for the origin, so there is nothing to prove from. */
function firstCheckpoint(request: AddCheckpointRequest): AddCheckpointRefused | null {
  return request.proof.length === 0
    ? null
    : refuse('unexpected_proof', 'A request from old size 0 carries no consistency proof');
}

/** The new checkpoint must be the witnessed one again, or provably extend it. */
function extension(
  latest: CosignedCheckpoint,
  request: AddCheckpointRequest,
  checkpoint: Checkpoint,
): AddCheckpointRefused | null {
  if (checkpoint.size === latest.size) {
    if (!checkpoint.rootHash.equals(latest.rootHash)) {
      return refuse('fork', `A different tree of the witnessed size ${latest.size}`, latest.size);
    }
    // The same tree under other extension lines (another subject map): two views of one size.
    if (parseNote(latest.note)?.text !== parseNote(request.signedCheckpoint)?.text) {
      return refuse('fork', `Other extension lines for the witnessed size ${latest.size}`, latest.size);
    }
    return request.proof.length === 0 ? null : refuse('unexpected_proof', 'A tree needs no proof to itself');
  }
  if (latest.size === 0) return firstCheckpoint(request);
  return verifyConsistency(latest.size, checkpoint.size, request.proof, latest.rootHash, checkpoint.rootHash)
    ? null
    : refuse('bad_proof', `No valid consistency proof from size ${latest.size} to ${checkpoint.size}`);
}

function refuse(reason: AddCheckpointRefusal, message: string, witnessSize?: number): AddCheckpointRefused {
  return {
    ok: false,
    reason,
    status: REFUSAL_STATUS[reason],
    message,
    ...(witnessSize === undefined ? {} : { witnessSize }),
  };
}
