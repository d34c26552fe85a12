/**
 * Turning one import record into a sealed customer row: validate, make a data key, seal every field and the
 * masked view, compute blind indexes. Pure CPU work with no database, so that it can run in sealing workers;
 * the data key comes back in plaintext for the main thread to wrap under the master key (which workers never
 * hold), after which it is wiped.
 */
import { KEY_BYTES } from '../../crypto/aead.ts';
import type { BlindIndexKind } from '../../crypto/blind-index.ts';
import { customerCipher, DEK_VERSION } from '../../crypto/keyring.ts';
import { secureRandom } from '../../crypto/random.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { normaliseCustomerInput } from '../customer-input.ts';
import { sealNewCustomer } from '../sealing.ts';
import type { CustomerRow } from '../vault.store.ts';

export interface ImportRecord {
  line: number;
  record: Record<string, unknown>;
}

export interface PreparedCustomer {
  line: number;
  /** The customer's plaintext data key: wrap it, then wipe it. */
  dek: Buffer;
  row: CustomerRow;
}

export interface RejectedRow {
  line: number;
  problems: string[];
}

export interface PreparedChunk {
  prepared: PreparedCustomer[];
  rejected: RejectedRow[];
}

export type BlindIndexFn = (kind: BlindIndexKind, normalised: string) => Buffer;

/** Prepare a chunk of records; validation failures become rejected rows, anything else throws. */
export function prepareChunk(
  records: readonly ImportRecord[],
  now: number,
  blindIndex: BlindIndexFn,
): PreparedChunk {
  const out: PreparedChunk = { prepared: [], rejected: [] };
  for (const { line, record } of records) {
    let customer: ReturnType<typeof normaliseCustomerInput>;
    try {
      customer = normaliseCustomerInput(record, { partial: false });
    } catch (error) {
      if (!(error instanceof CustosError) || error.code !== 'VALIDATION_FAILED') throw error;
      out.rejected.push({ line, problems: (error.details ?? []).map((d) => `${d.path}: ${d.problem}`) });
      continue;
    }
    const id = uuidv7(now);
    const dek = secureRandom(KEY_BYTES);
    const row = sealNewCustomer(customerCipher(id, dek, DEK_VERSION), { blindIndex }, customer, id, now);
    out.prepared.push({ line, dek, row });
  }
  return out;
}
