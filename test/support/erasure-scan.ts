/**
 * Reading what erasure leaves behind, as someone holding the database files (and a copy taken before) would:
 * every SQLite file read whole, a customer's key row and sealed fields read straight from a file set, and an
 * attempt to open them with the key files given (the keys that remain after erasure, or those of the copy's
 * time). For the erasure suites.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataKeyWrapping } from '../../src/crypto/dek-wrapping.ts';
import { customerCipher } from '../../src/crypto/keyring.ts';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import type { WrappedDataKey } from '../../src/crypto/keyring.types.ts';
import { fileMasterKeys } from '../../src/crypto/master-keys.ts';
import { fileShredGroups } from '../../src/crypto/shred-groups.ts';
import { openDatabase } from '../../src/platform/database/database.ts';
import type { TestCustos } from './custos.ts';

/** Every file of the SQLite database (main, -wal, -shm) in `dir`, read whole. */
export function databaseBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith('custos.db'))
      .map((f) => readFileSync(join(dir, f))),
  );
}

/** Copy the database files and the key files, as a backup taken now would hold them. */
export function backup(t: TestCustos): string {
  const dir = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  const dbDir = t.database.dir as string;
  for (const f of readdirSync(dbDir).filter((name) => name.startsWith('custos.db')))
    copyFileSync(join(dbDir, f), join(dir, f));
  copyFileSync(t.config.masterKeyFile, join(dir, 'master.key'));
  copyFileSync(t.config.shredGroupFile, join(dir, 'shred-groups.key'));
  return dir;
}

export interface StoredCustomer {
  key: WrappedDataKey | undefined;
  sealed: Record<string, Buffer>;
}

/** What a database (file set) holds of one customer: their key row and every sealed field. */
export async function storedCustomer(dir: string, customerId: string): Promise<StoredCustomer> {
  const handle = openDatabase(`sqlite:${join(dir, 'custos.db')}`);
  try {
    const key = await createKeyringStore(handle.db).customerKey(customerId);
    const row = await handle.db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', customerId)
      .executeTakeFirst();
    const sealed: Record<string, Buffer> = {};
    for (const [column, value] of Object.entries(row ?? {})) {
      if (column.endsWith('_sealed') && Buffer.isBuffer(value))
        sealed[column.replace(/_sealed$/, '')] = value;
    }
    return { key, sealed };
  } finally {
    await handle.close();
  }
}

/** Open every sealed field of `stored` with the keys in these files; throws when the data key does not open. */
export function openWith(
  masterKeyFile: string,
  groupFile: string,
  stored: StoredCustomer,
): Record<string, string> {
  const key = stored.key;
  if (!key) throw new Error('no key row');
  const dek = dataKeyWrapping(fileMasterKeys(masterKeyFile), fileShredGroups(groupFile)).unwrap(key);
  const cipher = customerCipher(key.customerId, dek, key.dekVersion);
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(stored.sealed)) {
    out[field] = cipher.open(field === 'masked' ? '_masked' : field, value);
  }
  return out;
}

/** The wrapped data key of `stored` tried under every shred-group key version the file holds now. */
export function anyGroupKeyOpens(masterKeyFile: string, groupFile: string, stored: StoredCustomer): boolean {
  const key = stored.key as NonNullable<StoredCustomer['key']>;
  const groups = fileShredGroups(groupFile);
  for (let group = 0; group < groups.groupCount(); group++) {
    for (const version of groups.versions(group)) {
      try {
        openWith(masterKeyFile, groupFile, {
          ...stored,
          key: { ...key, shredGroup: group, groupVersion: version },
        });
        return true;
      } catch {
        // expected: no remaining key opens it
      }
    }
  }
  return false;
}
