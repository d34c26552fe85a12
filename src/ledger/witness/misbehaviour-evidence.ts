/**
 * Evidence of log misbehaviour, kept by the witness (tlog-witness: a witness "MAY log the request even if the
 * consistency proof doesn't verify … as it might be proof of log misbehavior"). A refused fork or bad proof
 * that carried a valid log signature is written whole to `evidence/` in the data directory, beside the
 * witness's own cosigned checkpoint: two signed checkpoints that cannot both be true are what an auditor, or
 * a court, needs to show that someone rewrote the ledger.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import { replaceFileAtomically } from './atomic-file.ts';
import type { Misbehaviour } from './witness.ts';

/** Name of the evidence directory in the data directory. */
export const EVIDENCE_DIRECTORY = 'evidence';

/**
 * A `WitnessDeps.onMisbehaviour` that writes each case to `<dataDir>/evidence/<ms>-<reason>-<random>.json`
 * (mode 0600, durably) and resolves once it is on disk.
 */
export function keepMisbehaviourEvidence(dataDir: string, clock: Clock) {
  const directory = join(dataDir, EVIDENCE_DIRECTORY);
  return async (evidence: Misbehaviour): Promise<void> => {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const at = clock.now();
    const record = {
      reason: evidence.reason,
      origin: evidence.origin,
      recordedAt: new Date(at).toISOString(),
      oldSize: evidence.request.oldSize,
      proof: evidence.request.proof.map((hash) => hash.toString('base64')),
      presented: evidence.request.signedCheckpoint,
      cosigned: evidence.cosigned.note,
    };
    const file = join(directory, `${at}-${evidence.reason}-${randomBytes(4).toString('hex')}.json`);
    await replaceFileAtomically(file, `${JSON.stringify(record, null, 2)}\n`, {
      mode: 0o600,
      exclusive: true,
    });
  };
}
