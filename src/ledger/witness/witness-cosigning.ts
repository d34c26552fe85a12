/**
 * The log's publishing rule when witnesses are configured: a checkpoint is published only with cosignatures
 * from at least `quorum` of them (default one). Each witness is asked from the size the log believes it last
 * cosigned; on a 409 the log resends once from the size the witness names, with a fresh consistency proof.
 * A second refusal (a fork at the same size answers 409 again, a history that does not extend the
 * witnessed one answers 422) means the checkpoint is not published.
 */
import { CustosError } from '../../platform/errors.ts';
import type { NoteVerifier } from '../note-keys.ts';
import type { NoteSignature } from '../signed-note.ts';
import { addCosignatures, parseCosignerKey } from './cosignature.ts';
import { type CosignatureResponse, requestCosignature } from './witness-client.ts';

/** A witness the log asks: its submission prefix and its cosigner vkey (type 0x04). */
export interface WitnessEndpoint {
  readonly url: string;
  readonly vkey: string;
}

/** Options for `createWitnessCosigning`. */
export interface WitnessCosigningOptions {
  readonly witnesses: readonly WitnessEndpoint[];
  /** Consistency proof between two sizes of the log (0 < from < to), e.g. `ledger.consistencyProof`. */
  readonly consistencyProof: (from: number, to: number) => Promise<readonly Buffer[]>;
  /** How many witnesses must cosign (default 1). */
  readonly quorum?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * Returns the ledger's `cosign(note, size, previous)` hook: it resolves with `note` plus the witnesses'
 * cosignatures, or throws `CustosError('LEDGER_UNAVAILABLE')` naming each witness's refusal when fewer than
 * `quorum` cosigned. Throws `CustosError('CONFIG_INVALID')` at once for a bad vkey or quorum.
 *
 * @example createLedger({ …, cosign: createWitnessCosigning({ witnesses, consistencyProof }) })
 */
export function createWitnessCosigning(options: WitnessCosigningOptions) {
  const quorum = options.quorum ?? 1;
  const witnesses = options.witnesses.map((w) => {
    const verifier = parseCosignerKey(w.vkey.trim());
    if (verifier === null) throw new CustosError('CONFIG_INVALID', `Not a witness cosigner key: ${w.url}`);
    return { url: w.url, verifier };
  });
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > witnesses.length) {
    throw new CustosError(
      'CONFIG_INVALID',
      `A witness quorum of ${quorum} of ${witnesses.length} is impossible`,
    );
  }
  /** The size each witness last cosigned, learnt from its answers; the log's own view until then. */
  const witnessed = new Map<string, number>();

  async function cosignWith(
    witness: { url: string; verifier: NoteVerifier },
    note: string,
    size: number,
    previous: number,
  ): Promise<CosignatureResponse> {
    const ask = async (oldSize: number) =>
      requestCosignature({
        url: witness.url,
        oldSize,
        proof: oldSize === 0 || oldSize === size ? [] : [...(await options.consistencyProof(oldSize, size))],
        signedNote: note,
        witness: witness.verifier,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      });
    const tried = Math.min(witnessed.get(witness.url) ?? previous, size);
    let answer = await ask(tried);
    // Resend only if the witness named another size we can prove from; the same size again is a fork.
    if (
      !answer.ok &&
      answer.reason === 'conflict' &&
      answer.witnessSize !== tried &&
      answer.witnessSize <= size
    ) {
      answer = await ask(answer.witnessSize);
    }
    if (answer.ok) witnessed.set(witness.url, size);
    else if (answer.reason === 'conflict') witnessed.set(witness.url, answer.witnessSize);
    return answer;
  }

  return async function cosign(note: string, size: number, previous: number): Promise<string> {
    const answers = await Promise.all(witnesses.map((w) => cosignWith(w, note, size, previous)));
    const cosignatures: NoteSignature[] = [];
    const refusals: string[] = [];
    answers.forEach((answer, i) => {
      if (answer.ok) cosignatures.push(...answer.cosignatures);
      else refusals.push(`${witnesses[i]?.url}: ${answer.reason}`);
    });
    const cosigned = answers.filter((a) => a.ok).length;
    if (cosigned < quorum) {
      throw new CustosError(
        'LEDGER_UNAVAILABLE',
        `Checkpoint ${size} not published: ${cosigned} of ${quorum} required witness cosignatures (${refusals.join('; ')})`,
      );
    }
    return addCosignatures(note, cosignatures);
  };
}
