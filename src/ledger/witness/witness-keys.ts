/**
 * The witness's own Ed25519 key, which is what makes its cosignatures worth anything: it lives only in the
 * witness's data directory, in `witness.key` (mode 0600) as a C2SP signer-key string, created on first start.
 * A key file others can read is refused rather than used. The public cosigner vkey (type 0x04) is derived
 * from it and also written to `witness.vkey` for operators to hand to the log.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { generateNoteKeys, isValidKeyName } from '../note-keys.ts';
import { replaceFileAtomically } from './atomic-file.ts';
import { type Cosigner, cosignerFromSignerKey } from './cosignature.ts';

/** Name of the secret key file in the data directory. */
export const WITNESS_KEY_FILE = 'witness.key';
/** Name of the public verifier-key file in the data directory. */
export const WITNESS_VKEY_FILE = 'witness.vkey';
/** Key name given to a new witness key when none is configured. */
export const DEFAULT_WITNESS_NAME = 'custos-witness';

/**
 * Loads the witness key from `dataDir`, creating it (named `name`, or `DEFAULT_WITNESS_NAME`) if there is
 * none. Throws `CustosError('CONFIG_INVALID')` if the file is readable by group or others, is not a signer
 * key, or names a different witness than `name`.
 *
 * @example const cosigner = await loadOrCreateWitnessKey({ dataDir, name: 'witness.example/w1', clock });
 */
export async function loadOrCreateWitnessKey(options: {
  dataDir: string;
  name?: string;
  clock: Clock;
}): Promise<Cosigner> {
  const path = join(options.dataDir, WITNESS_KEY_FILE);
  const name = options.name ?? DEFAULT_WITNESS_NAME;
  if (!isValidKeyName(name))
    throw new CustosError('CONFIG_INVALID', 'The witness name is not a valid key name');
  if (!(await exists(path))) {
    const { signerKey } = generateNoteKeys(name);
    try {
      await replaceFileAtomically(path, `${signerKey}\n`, { mode: 0o600, exclusive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
    }
  }
  const cosigner = await readWitnessKey(path, options.clock);
  if (options.name !== undefined && cosigner.name !== options.name) {
    throw new CustosError(
      'CONFIG_INVALID',
      `The witness key in ${path} is named "${cosigner.name}", not "${options.name}"`,
    );
  }
  await replaceFileAtomically(join(options.dataDir, WITNESS_VKEY_FILE), `${cosigner.vkey}\n`, {
    mode: 0o644,
  });
  return cosigner;
}

async function readWitnessKey(path: string, clock: Clock): Promise<Cosigner> {
  if (((await stat(path)).mode & 0o077) !== 0) {
    throw new CustosError(
      'CONFIG_INVALID',
      `The witness key file ${path} is readable by others: chmod 600 it`,
    );
  }
  const cosigner = cosignerFromSignerKey((await readFile(path, 'utf8')).trim(), clock);
  if (cosigner === null) throw new CustosError('CONFIG_INVALID', `The witness key file ${path} is malformed`);
  return cosigner;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
