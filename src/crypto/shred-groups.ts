/**
 * Shred-group keys: the second key every customer's data key is wrapped under, kept in a file beside the
 * master key file (never in the database), so that erasing a customer also defeats copies of the database
 * taken before (docs/ERASURE.md).
 *
 * Customers fall into groups (1,024 by default; the group is stored with the key row). Each group has a key
 * per version; a version exists only in this file. Erasing a customer adds a version to their group, moves
 * every other member to it and deletes the old version from the file (shredding.ts): a copy of the database
 * holds the erased customer's data key under a group-key version that no longer exists anywhere.
 *
 * Invariants: the file is written whole and atomically, under a lock file (two processes adding versions to
 * two groups cannot lose one another's), and read back after each write. Like the master key file it fails
 * closed: before every use it is checked (a `stat`, at most a second stale) and re-read when it changed; a
 * file gone, unreadable, readable by others, or naming a version it held with other bytes answers
 * KEYRING_UNAVAILABLE / KEYRING_MISMATCH until the right file is back.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CustosError } from '../platform/errors.ts';
import { KEY_BYTES, open, seal } from './aead.ts';
import { fileStamp, keyFileExists, readKeyFileJson, writeKeyFileJson } from './key-file.ts';
import { KEY_SOURCE_CHECK_MS } from './master-keys.ts';
import { secureRandom } from './random.ts';

/** How many groups a new installation's file has: one erasure re-wraps about 1/1024 of the customers. */
export const SHRED_GROUP_COUNT = 1024;
const FILE_FORMAT = 'custos-shred-groups/1';
const WHAT = 'shred-group key file';
const LOCK_WAIT_MS = 10_000;

interface GroupFile {
  format: typeof FILE_FORMAT;
  groupCount: number;
  keys: { group: number; version: number; key: string }[];
}

/** group → version → key */
type GroupKeys = Map<number, Map<number, Buffer>>;

export interface ShredGroupKeys {
  groupCount(): number;
  /** The group a new customer joins (uniformly at random). */
  assign(): number;
  /** The version new wrappings in `group` use: the highest held. */
  currentVersion(group: number): number;
  /** Every version of `group` held, ascending (more than one while an erasure is re-keying the group). */
  versions(group: number): number[];
  /** Groups holding more than one version: a re-key that began and has not finished. */
  groupsInRekey(): number[];
  /** Wrap under the group's current version; `context` is authenticated and must be given again to unwrap. */
  wrap(group: number, secret: Buffer, context: string): { groupVersion: number; wrapped: Buffer };
  /** Throws KEYRING_UNAVAILABLE when that version is not held (shredded), SEALED_VALUE_INVALID when altered. */
  unwrap(group: number, version: number, wrapped: Buffer, context: string): Buffer;
  /** Add a fresh highest version to `group`, durably in the file; returns it. */
  addVersion(group: number): number;
  /** Forget every version of `group` below `version`, durably in the file. */
  dropBelow(group: number, version: number): void;
  /** Re-read the file now; throws KEYRING_UNAVAILABLE or KEYRING_MISMATCH. */
  check(): void;
}

function wrapAad(context: string, group: number, version: number): Buffer {
  return Buffer.from(`custos/shred-group/v1\0${context}\0${group}\0${version}`);
}

function parse(path: string): { groupCount: number; keys: GroupKeys } {
  const parsed = readKeyFileJson(path, WHAT) as GroupFile;
  if (
    parsed?.format !== FILE_FORMAT ||
    !Number.isInteger(parsed.groupCount) ||
    parsed.groupCount < 1 ||
    !Array.isArray(parsed.keys)
  ) {
    throw new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} is not in ${FILE_FORMAT} format`);
  }
  const keys: GroupKeys = new Map();
  for (const entry of parsed.keys) {
    const key = Buffer.from(String(entry.key), 'base64');
    const valid =
      Number.isInteger(entry.group) &&
      entry.group >= 0 &&
      entry.group < parsed.groupCount &&
      Number.isInteger(entry.version) &&
      entry.version >= 1 &&
      key.length === KEY_BYTES;
    if (!valid) throw new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} holds a malformed key`);
    if (!keys.has(entry.group)) keys.set(entry.group, new Map());
    keys.get(entry.group)?.set(entry.version, key);
  }
  for (let group = 0; group < parsed.groupCount; group++) {
    if (!keys.get(group)?.size)
      throw new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} holds no key for group ${group}`);
  }
  return { groupCount: parsed.groupCount, keys };
}

function write(path: string, groupCount: number, keys: GroupKeys): void {
  const body: GroupFile = { format: FILE_FORMAT, groupCount, keys: [] };
  for (const [group, versions] of [...keys].sort(([a], [b]) => a - b)) {
    for (const [version, key] of [...versions].sort(([a], [b]) => a - b)) {
      body.keys.push({ group, version, key: key.toString('base64') });
    }
  }
  writeKeyFileJson(path, body);
}

/** True when the process that wrote `lock` (its pid inside) is gone: a lock left by a crash. */
function staleLock(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Run `work` holding `<path>.lock` (created exclusively, naming this process's pid); waits up to 10 s for
 * another holder, and takes over a lock whose process is gone (killed while holding it).
 */
function withLock<T>(path: string, work: () => T): T {
  const lock = `${path}.lock`;
  const deadline = performance.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
    } catch (cause) {
      if (staleLock(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (performance.now() > deadline)
        throw new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} is locked (${lock})`, { cause });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return work();
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

/**
 * Create a group file with one fresh key per group, unless a file exists. Returns true if created.
 * The caller decides whether creating one is safe (no data key is wrapped under a group yet).
 */
export function createShredGroupFile(path: string, groupCount = SHRED_GROUP_COUNT): boolean {
  if (keyFileExists(path)) return false;
  const keys: GroupKeys = new Map();
  for (let group = 0; group < groupCount; group++) keys.set(group, new Map([[1, secureRandom(KEY_BYTES)]]));
  write(path, groupCount, keys);
  return true;
}

/** The group keys in a file, checked as the header says. */
export function fileShredGroups(path: string): ShredGroupKeys {
  const initial = parse(path);
  const groupCount = initial.groupCount;
  let keys = initial.keys;
  let goodStamp = fileStamp(statSync(path));
  let checkedAt = performance.now();
  let failure: CustosError | undefined;

  /** A version held before must keep its bytes; a version gone is a finished shredding, not a mismatch. */
  const agrees = (next: GroupKeys) => {
    for (const [group, versions] of next) {
      for (const [version, key] of versions) {
        const held = keys.get(group)?.get(version);
        if (held && !timingSafeEqual(held, key)) return false;
      }
    }
    return true;
  };
  const reload = () => {
    checkedAt = performance.now();
    try {
      const before = fileStamp(statSync(path));
      const next = parse(path);
      if (next.groupCount !== groupCount || !agrees(next.keys)) {
        throw new CustosError('KEYRING_MISMATCH', `The ${WHAT} is not the one this server held`);
      }
      keys = next.keys;
      goodStamp = before;
      failure = undefined;
    } catch (cause) {
      failure =
        cause instanceof CustosError
          ? cause
          : new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} cannot be read`, { cause });
      throw failure;
    }
  };
  const assertAvailable = () => {
    if (performance.now() - checkedAt < KEY_SOURCE_CHECK_MS) {
      if (failure) throw failure;
      return;
    }
    checkedAt = performance.now();
    let current: string;
    try {
      current = fileStamp(statSync(path));
    } catch (cause) {
      failure = new CustosError('KEYRING_UNAVAILABLE', `The ${WHAT} cannot be read`, { cause });
      throw failure;
    }
    if (current !== goodStamp || failure) reload();
  };
  const versionsOf = (group: number): Map<number, Buffer> => {
    const versions = keys.get(group);
    if (!versions) throw new CustosError('KEYRING_UNAVAILABLE', `Shred group ${group} is not available`);
    return versions;
  };
  const highest = (group: number) => Math.max(...versionsOf(group).keys());
  /** Read, change and write the file under its lock, then adopt what was written. */
  const change = (edit: (latest: GroupKeys) => void) => {
    withLock(path, () => {
      reload();
      const next: GroupKeys = new Map([...keys].map(([g, v]) => [g, new Map(v)]));
      edit(next);
      write(path, groupCount, next);
      reload();
    });
  };

  return {
    groupCount: () => groupCount,
    assign: () => randomInt(groupCount),
    currentVersion(group) {
      assertAvailable();
      return highest(group);
    },
    versions(group) {
      assertAvailable();
      return [...versionsOf(group).keys()].sort((a, b) => a - b);
    },
    groupsInRekey() {
      assertAvailable();
      return [...keys].filter(([, versions]) => versions.size > 1).map(([group]) => group);
    },
    wrap(group, secret, context) {
      assertAvailable();
      const version = highest(group);
      const key = versionsOf(group).get(version) as Buffer;
      return { groupVersion: version, wrapped: seal(key, secret, wrapAad(context, group, version)) };
    },
    unwrap(group, version, wrapped, context) {
      assertAvailable();
      if (!keys.get(group)?.has(version)) reload();
      const key = keys.get(group)?.get(version);
      if (!key) {
        throw new CustosError('KEYRING_UNAVAILABLE', `Shred-group key ${group} v${version} is not available`);
      }
      const secret = open(key, wrapped, wrapAad(context, group, version));
      if (!secret) throw new CustosError('SEALED_VALUE_INVALID', 'A wrapped key failed authentication');
      return secret;
    },
    addVersion(group) {
      let added = 0;
      change((latest) => {
        const versions = latest.get(group);
        if (!versions) throw new CustosError('KEYRING_UNAVAILABLE', `Shred group ${group} is not available`);
        added = Math.max(...versions.keys()) + 1;
        versions.set(added, secureRandom(KEY_BYTES));
      });
      return added;
    },
    dropBelow(group, version) {
      change((latest) => {
        const versions = latest.get(group);
        if (!versions?.has(version))
          throw new CustosError('KEYRING_UNAVAILABLE', `Refusing to drop every key of shred group ${group}`);
        for (const v of [...versions.keys()]) if (v < version) versions.delete(v);
      });
    },
    check: reload,
  };
}
