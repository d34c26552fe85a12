/**
 * The witness's memory: for each log origin, the latest checkpoint it cosigned (size, root hash, and the
 * signed note with its cosignature). This is all a witness needs to refuse a rollback or a fork, so losing or
 * tearing it would silently turn the witness into a rubber stamp. It lives in one JSON file, `state.json`
 * (mode 0600) in the data directory, replaced atomically and durably on every change, read once at start;
 * a file that does not check out stops the witness instead of being treated as empty.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CustosError } from '../../platform/errors.ts';
import { parseCheckpoint } from '../checkpoint.ts';
import { HASH_SIZE } from '../merkle-hash.ts';
import { parseNote } from '../signed-note.ts';
import { decodeStrictBase64 } from '../strict-base64.ts';
import { replaceFileAtomically } from './atomic-file.ts';

/** Name of the state file in the data directory. */
export const WITNESS_STATE_FILE = 'state.json';

/** The latest checkpoint the witness cosigned for one origin. */
export interface CosignedCheckpoint {
  readonly size: number;
  readonly rootHash: Buffer;
  /** The signed checkpoint as the witness accepted it, with its own cosignature appended. */
  readonly note: string;
}

/** Per-origin witness state, durable on disk. */
export interface WitnessState {
  /** Where the state is kept. */
  readonly path: string;
  /** The latest cosigned checkpoint for `origin`, or undefined if the witness never cosigned one. */
  latest(origin: string): CosignedCheckpoint | undefined;
  /**
   * Makes `checkpoint` the latest for `origin`; resolves once it is on disk. Writes are applied one at a
   * time in call order, and memory changes only after the file did, so memory never runs ahead of disk.
   */
  record(origin: string, checkpoint: CosignedCheckpoint): Promise<void>;
}

interface StateFile {
  version: 1;
  logs: Record<string, { size: number; root: string; note: string }>;
}

/**
 * Opens the state in `dataDir`: an absent file is an empty state (a new witness); a malformed one throws
 * `CustosError('CONFIG_INVALID')` so an operator looks at it rather than the witness forgetting what it
 * promised.
 */
export async function openWitnessState(dataDir: string): Promise<WitnessState> {
  const path = join(dataDir, WITNESS_STATE_FILE);
  let records = await loadRecords(path);
  let writing: Promise<void> = Promise.resolve();
  return {
    path,
    latest: (origin) => records.get(origin),
    record(origin, checkpoint) {
      const run = writing.then(async () => {
        const next = new Map(records).set(origin, checkpoint);
        await replaceFileAtomically(path, serialize(next), { mode: 0o600 });
        records = next;
      });
      writing = run.catch(() => {});
      return run;
    },
  };
}

async function loadRecords(path: string): Promise<Map<string, CosignedCheckpoint>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const corrupt = (why: string) => new CustosError('CONFIG_INVALID', `The witness state ${path} ${why}`);
  let file: StateFile;
  try {
    file = JSON.parse(text) as StateFile;
  } catch (cause) {
    throw new CustosError('CONFIG_INVALID', `The witness state ${path} is not JSON`, { cause });
  }
  if (file?.version !== 1 || typeof file.logs !== 'object' || file.logs === null) {
    throw corrupt('has an unknown layout');
  }
  const records = new Map<string, CosignedCheckpoint>();
  for (const [origin, entry] of Object.entries(file.logs)) {
    const record = checkRecord(origin, entry);
    if (record === null) throw corrupt(`holds a malformed record for origin "${origin}"`);
    records.set(origin, record);
  }
  return records;
}

/** A stored record is used only if its note is a checkpoint for that origin with that size and root. */
function checkRecord(origin: string, entry: unknown): CosignedCheckpoint | null {
  const { size, root, note } = (entry ?? {}) as { size?: unknown; root?: unknown; note?: unknown };
  if (typeof size !== 'number' || typeof root !== 'string' || typeof note !== 'string') return null;
  const rootHash = decodeStrictBase64(root);
  const parsed = parseNote(note);
  const checkpoint = parsed === null ? null : parseCheckpoint(parsed.text);
  if (rootHash === null || rootHash.length !== HASH_SIZE || checkpoint === null) return null;
  if (checkpoint.origin !== origin || checkpoint.size !== size || !checkpoint.rootHash.equals(rootHash)) {
    return null;
  }
  return { size, rootHash, note };
}

function serialize(records: ReadonlyMap<string, CosignedCheckpoint>): string {
  // fromEntries defines own properties, so even an origin named "__proto__" is stored as data.
  const logs = Object.fromEntries(
    [...records].map(([origin, { size, rootHash, note }]) => [
      origin,
      { size, root: rootHash.toString('base64'), note },
    ]),
  );
  const file: StateFile = { version: 1, logs };
  return `${JSON.stringify(file, null, 2)}\n`;
}
