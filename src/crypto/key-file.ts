/**
 * Files of secret keys kept beside the database, never in it (the master keys, the shred-group keys): read
 * only when no one else can read them, written whole and atomically.
 *
 * Invariant: a reader sees the old file or the new one, never a mix — a write goes to a temporary file,
 * is fsynced, renamed over the old one, and the directory is fsynced, so a power cut keeps one of the two.
 * Every problem reading one is KEYRING_UNAVAILABLE (fail closed: no key, no plaintext).
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { CustosError } from '../platform/errors.ts';

/**
 * Parse a key file as JSON; throws KEYRING_UNAVAILABLE when it is missing, unreadable, readable by others
 * or not JSON. `what` names it in the message ("master key file").
 */
export function readKeyFileJson(path: string, what: string): unknown {
  let stat: ReturnType<typeof statSync>;
  let raw: string;
  try {
    stat = statSync(path);
    raw = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CustosError('KEYRING_UNAVAILABLE', `The ${what} cannot be read`, { cause });
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new CustosError('KEYRING_UNAVAILABLE', `The ${what} ${path} is readable by others: chmod 600 it`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    throw new CustosError('KEYRING_UNAVAILABLE', `The ${what} is not valid JSON`, { cause });
  }
}

/** Replace a key file with `body` (mode 0600), durably and atomically. */
export function writeKeyFileJson(path: string, body: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  fsyncSync(dir);
  closeSync(dir);
}

/** What changes when a file is replaced, moved, rewritten or re-permissioned. */
export function fileStamp(stat: Stats): string {
  return [stat.dev, stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs, stat.mode].join(':');
}

/** True when a file exists at `path` (whatever it holds). */
export function keyFileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
