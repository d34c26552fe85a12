/**
 * Crash-safe file replacement for the witness's key and state. A file is written whole to a temporary name
 * beside it, flushed to disk, then renamed over (or linked to) its final name and the directory flushed, so
 * after a power cut the file holds either the old or the new contents, never a torn mix. A witness that woke
 * up with a truncated state would accept a rollback it had promised to refuse.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options for `replaceFileAtomically`. */
export interface AtomicWriteOptions {
  /** File mode of the new file; 0o600 unless told otherwise. */
  readonly mode?: number;
  /** When true, fail with EEXIST instead of replacing an existing file (first writer wins). */
  readonly exclusive?: boolean;
}

/**
 * Writes `data` to `path` atomically and durably: temp file (created with `mode`), fsync, rename (or link,
 * when `exclusive`), fsync of the directory. Resolves only once the new contents survive a power cut.
 *
 * @example await replaceFileAtomically('/var/lib/witness/state.json', JSON.stringify(state));
 */
export async function replaceFileAtomically(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const file = await open(temporary, 'wx', options.mode ?? 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    if (options.exclusive) {
      await link(temporary, path);
      await unlink(temporary);
    } else {
      await rename(temporary, path);
    }
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
}

/** Flushes a directory's entries (new or renamed names) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
