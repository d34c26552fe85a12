/**
 * Master keys (key-encryption keys, KEKs): the only keys that never touch the database.
 *
 * They come from a file (mode 0600, created at initialisation) or inline from the environment; a KMS adapter
 * would implement the same `KeyEncryptionKeys` interface. Several versions may be present during a rotation:
 * new data keys are wrapped under the highest, old wrappings still open under theirs until rewrapped.
 *
 * The file source fails closed. Before every wrap and unwrap (and whenever the keyring uses a secret it
 * unwrapped earlier) it checks the file, at most once a second of monotonic time: a `stat`, and when the file
 * changed, a re-read whose keys must agree with every version held before (key-history.ts). A file that is
 * gone, unreadable or readable by others answers KEYRING_UNAVAILABLE; one that names a known version with
 * other bytes answers KEYRING_MISMATCH; both until the right file is back, and no key is used meanwhile. The
 * same re-read notices a rotation made by another process (`custos keys rotate` next to a running server):
 * its new version is adopted and its retired ones dropped, at most a second late. A file sharing no version
 * with those held (a rotation that began and ended while this process was idle, or another key altogether)
 * answers KEYRING_MISMATCH until the keyring confirms it opens the installation's own secrets
 * (`setConfirmation`); confirmed, it is adopted (a request or two in between are refused).
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CustosError } from '../platform/errors.ts';
import { KEY_BYTES, open, seal } from './aead.ts';
import { fileStamp as stamp, keyFileExists, readKeyFileJson, writeKeyFileJson } from './key-file.ts';
import { keyHistory } from './key-history.ts';
import { secureRandom } from './random.ts';

export interface KeyEncryptionKeys {
  /** The version new wrappings use. */
  activeVersion(): number;
  versions(): number[];
  /** Wrap a secret under the active KEK; `context` is authenticated and must be given again to unwrap. */
  wrap(secret: Buffer, context: string): { kekVersion: number; wrapped: Buffer };
  /** Throws KEYRING_UNAVAILABLE when that KEK version is not held, SEALED_VALUE_INVALID when altered. */
  unwrap(kekVersion: number, wrapped: Buffer, context: string): Buffer;
  /**
   * Confirm the key source is still there and holds the keys held so far, now (re-reads a file); throws
   * KEYRING_UNAVAILABLE or KEYRING_MISMATCH. `/readyz` calls it.
   */
  check(): void;
  /**
   * The same confirmation, cached for at most `maxAgeMs` (a second by default; a `stat` when the cache is
   * stale): call it before using anything the master key opened earlier. Throws KEYRING_UNAVAILABLE or
   * KEYRING_MISMATCH.
   */
  assertAvailable(maxAgeMs?: number): void;
  /**
   * How to tell whether keys that share no version with those held belong to this installation all the same
   * (a rotation finished while this process was idle); the keyring sets it. Without it such keys are refused.
   */
  setConfirmation(confirm: KeyConfirmation): void;
}

/**
 * Given `unwrap` under candidate keys, true when they open what this installation's keyring holds. Resolves
 * false (never throws) when they do not.
 */
export type KeyConfirmation = (unwrap: KeyEncryptionKeys['unwrap']) => Promise<boolean>;

export interface RotatableKeys extends KeyEncryptionKeys {
  /** Add a new highest version and make it active; returns it. */
  addVersion(): number;
  /** Forget every version below `version` (after all wrappings moved to it). */
  retireBelow(version: number): void;
  /** Re-read the backing store now. */
  reload(): void;
}

const FILE_FORMAT = 'custos-master-keys/1';

interface KeyFile {
  format: typeof FILE_FORMAT;
  keys: { version: number; key: string; createdAt: string }[];
}

function wrapAad(context: string, version: number): Buffer {
  return Buffer.from(`custos/kek-wrap/v1\0${context}\0${version}`);
}

function keysFromMap(keys: Map<number, Buffer>) {
  const active = () => {
    const versions = [...keys.keys()];
    if (versions.length === 0) throw new CustosError('KEYRING_UNAVAILABLE', 'No master key is available');
    return Math.max(...versions);
  };
  return {
    activeVersion: active,
    versions: () => [...keys.keys()].sort((a, b) => a - b),
    wrap(secret: Buffer, context: string) {
      const version = active();
      const key = keys.get(version) as Buffer;
      return { kekVersion: version, wrapped: seal(key, secret, wrapAad(context, version)) };
    },
    unwrapWith(version: number, wrapped: Buffer, context: string): Buffer {
      const key = keys.get(version);
      if (!key)
        throw new CustosError('KEYRING_UNAVAILABLE', `Master key version ${version} is not available`);
      const secret = open(key, wrapped, wrapAad(context, version));
      if (!secret) throw new CustosError('SEALED_VALUE_INVALID', 'A wrapped key failed authentication');
      return secret;
    },
  };
}

/**
 * Parse `v1:<base64>,v2:<base64>` (the CUSTOS_MASTER_KEY form).
 *
 * @example inlineMasterKeys(`v1:${randomBytes(32).toString('base64')}`)
 */
export function inlineMasterKeys(spec: string): KeyEncryptionKeys {
  const keys = new Map<number, Buffer>();
  for (const part of spec.split(',')) {
    const match = /^v(\d+):([A-Za-z0-9+/=]+)$/.exec(part.trim());
    const key = match ? Buffer.from(match[2] as string, 'base64') : undefined;
    if (!match || !key || key.length !== KEY_BYTES) {
      throw new CustosError('CONFIG_INVALID', 'CUSTOS_MASTER_KEY must be v<N>:<base64 of 32 bytes>[,…]');
    }
    keys.set(Number(match[1]), key);
  }
  const base = keysFromMap(keys);
  const check = () => void base.activeVersion();
  return { ...base, unwrap: base.unwrapWith, check, assertAvailable: check, setConfirmation: () => {} };
}

function readKeyFile(path: string, createdAt?: Map<number, string>): Map<number, Buffer> {
  const parsed = readKeyFileJson(path, 'master key file') as KeyFile;
  if (parsed?.format !== FILE_FORMAT || !Array.isArray(parsed.keys)) {
    throw new CustosError('KEYRING_UNAVAILABLE', `The master key file is not in ${FILE_FORMAT} format`);
  }
  const keys = new Map<number, Buffer>();
  for (const entry of parsed.keys) {
    const key = Buffer.from(entry.key, 'base64');
    if (!Number.isInteger(entry.version) || entry.version < 1 || key.length !== KEY_BYTES) {
      throw new CustosError('KEYRING_UNAVAILABLE', 'The master key file holds a malformed key');
    }
    keys.set(entry.version, key);
    createdAt?.set(entry.version, entry.createdAt);
  }
  return keys;
}

function writeKeyFile(path: string, keys: Map<number, Buffer>, createdAt: Map<number, string>): void {
  const body: KeyFile = {
    format: FILE_FORMAT,
    keys: [...keys.entries()]
      .sort(([a], [b]) => a - b)
      .map(([version, key]) => ({
        version,
        key: key.toString('base64'),
        createdAt: createdAt.get(version) ?? '',
      })),
  };
  writeKeyFileJson(path, body);
}

/** Create a key file holding one fresh version, unless one already exists. Returns true if created. */
export function createMasterKeyFile(path: string): boolean {
  if (keyFileExists(path)) return false;
  writeKeyFile(path, new Map([[1, secureRandom(KEY_BYTES)]]), new Map([[1, new Date().toISOString()]]));
  return true;
}

/** How long a good check of the key file is trusted, in ms of monotonic time. */
export const KEY_SOURCE_CHECK_MS = 1000;

function keyErrorOf(cause: unknown): CustosError {
  if (cause instanceof CustosError) return cause;
  return new CustosError('KEYRING_UNAVAILABLE', 'The master key file cannot be read', { cause });
}

/**
 * The master keys in a file, checked as the header says.
 *
 * @param now wall-clock time for the `createdAt` of versions this process adds; the checks use monotonic
 *   time, so a test clock neither hides nor delays them.
 */
export function fileMasterKeys(path: string, now: () => number = Date.now): RotatableKeys {
  const createdAt = new Map<number, string>();
  const history = keyHistory();
  let keys = readKeyFile(path, createdAt);
  history.admit(keys);
  let goodStamp = stamp(statSync(path));
  let checkedAt = performance.now();
  /** Why the source is not usable now; undefined while it is sound. */
  let failure: CustosError | undefined;
  let confirmation: KeyConfirmation | undefined;
  let confirming: Promise<void> | undefined;

  const adopt = (next: Map<number, Buffer>, nextStamp: string, dates: Map<number, string>) => {
    history.remember(next);
    keys = next;
    goodStamp = nextStamp;
    for (const [version, date] of dates) createdAt.set(version, date);
    failure = undefined;
  };

  /** Ask the keyring about keys that share no version with those held; adopt them if it vouches. */
  const confirm = (next: Map<number, Buffer>, nextStamp: string, dates: Map<number, string>) => {
    if (!confirmation || confirming) return;
    confirming = confirmation(keysFromMap(next).unwrapWith)
      .then((ok) => {
        if (ok && stamp(statSync(path)) === nextStamp) adopt(next, nextStamp, dates);
      })
      .catch(() => {})
      .finally(() => {
        confirming = undefined;
      });
  };

  /** Read the file and adopt it if it agrees with the history; on any problem, fail closed and throw. */
  const reload = () => {
    checkedAt = performance.now();
    try {
      const before = stamp(statSync(path));
      const dates = new Map<number, string>();
      const next = readKeyFile(path, dates);
      history.check(next);
      if (![...next.keys()].some((version) => keys.has(version))) {
        confirm(next, before, dates);
        throw new CustosError(
          'KEYRING_MISMATCH',
          'The master key file holds none of the keys this server held: not adopted unless it opens the keyring',
        );
      }
      adopt(next, before, dates);
    } catch (cause) {
      failure = keyErrorOf(cause);
      throw failure;
    }
  };
  const assertAvailable = (maxAgeMs = KEY_SOURCE_CHECK_MS) => {
    if (performance.now() - checkedAt < maxAgeMs) {
      if (failure) throw failure;
      return;
    }
    checkedAt = performance.now();
    let current: string;
    try {
      current = stamp(statSync(path));
    } catch (cause) {
      failure = keyErrorOf(cause);
      throw failure;
    }
    if (current !== goodStamp || failure) reload();
  };
  const current = () => keysFromMap(keys);

  return {
    activeVersion: () => {
      assertAvailable();
      return current().activeVersion();
    },
    versions: () => current().versions(),
    wrap(secret, context) {
      assertAvailable();
      return current().wrap(secret, context);
    },
    unwrap(version, wrapped, context) {
      assertAvailable();
      if (!keys.has(version)) reload();
      return current().unwrapWith(version, wrapped, context);
    },
    addVersion() {
      reload();
      const version = current().activeVersion() + 1;
      const next = new Map(keys);
      next.set(version, secureRandom(KEY_BYTES));
      createdAt.set(version, new Date(now()).toISOString());
      writeKeyFile(path, next, createdAt);
      reload();
      return version;
    },
    retireBelow(version) {
      reload();
      const next = new Map([...keys].filter(([v]) => v >= version));
      if (next.size === 0)
        throw new CustosError('KEYRING_UNAVAILABLE', 'Refusing to retire every master key');
      writeKeyFile(path, next, createdAt);
      reload();
    },
    reload,
    check() {
      reload();
      current().activeVersion();
    },
    assertAvailable: (maxAgeMs?: number) => assertAvailable(maxAgeMs),
    setConfirmation(confirm) {
      confirmation = confirm;
    },
  };
}
