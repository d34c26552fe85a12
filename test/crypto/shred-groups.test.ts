/**
 * The shred-group key file and the grouping of older installations' keys.
 *
 *   - the file fails closed like the master key file: gone or readable by others → KEYRING_UNAVAILABLE,
 *     other bytes for a version it held → KEYRING_MISMATCH; a missing file is not silently recreated while
 *     data keys need it (Custos refuses to start);
 *   - a wrapping opens only as its own customer, group and version (moved or re-labelled, it fails);
 *   - an installation whose keys predate shred groups: at start they are grouped and the master key rotated,
 *     so a backup from before the upgrade — keys under the master key alone — opens nothing once a customer
 *     is erased.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCustos, type Custos } from '../../src/app.ts';
import { dataKeyWrapping } from '../../src/crypto/dek-wrapping.ts';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import type { WrappedDataKey } from '../../src/crypto/keyring.types.ts';
import { fileMasterKeys, inlineMasterKeys } from '../../src/crypto/master-keys.ts';
import { createShredGroupFile, fileShredGroups } from '../../src/crypto/shred-groups.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestDatabase, type TestDatabase } from '../support/databases.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a wrapping opens only as its own customer, group and group version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-groups-'));
  const path = join(dir, 'shred-groups.key');
  createShredGroupFile(path, 4);
  const groups = fileShredGroups(path);
  const wrapping = dataKeyWrapping(inlineMasterKeys(`v1:${randomBytes(32).toString('base64')}`), groups);
  const dek = randomBytes(32);
  const key = wrapping.wrap('alice', 1, dek, 0, 2);
  assert.deepEqual(wrapping.unwrap(key), dek);
  assert.throws(() => wrapping.unwrap({ ...key, customerId: 'bob' }), { code: 'SEALED_VALUE_INVALID' });
  assert.throws(() => wrapping.unwrap({ ...key, shredGroup: 3 }), { code: 'SEALED_VALUE_INVALID' });
  const next = groups.addVersion(2);
  assert.throws(() => wrapping.unwrap({ ...key, groupVersion: next }), { code: 'SEALED_VALUE_INVALID' });
  groups.dropBelow(2, next);
  assert.throws(() => wrapping.unwrap(key), { code: 'KEYRING_UNAVAILABLE' });
  rmSync(dir, { recursive: true, force: true });
});

test('the group key file fails closed: gone, readable by others, or other bytes for a held version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-groups-'));
  const path = join(dir, 'shred-groups.key');
  createShredGroupFile(path, 2);
  const groups = fileShredGroups(path);
  const wrapping = dataKeyWrapping(inlineMasterKeys(`v1:${randomBytes(32).toString('base64')}`), groups);
  const key = wrapping.wrap('alice', 1, randomBytes(32), 0, 0);
  renameSync(path, `${path}.away`);
  await sleep(1100);
  assert.throws(() => wrapping.unwrap(key), { code: 'KEYRING_UNAVAILABLE' });
  renameSync(`${path}.away`, path);
  chmodSync(path, 0o644);
  await sleep(1100);
  assert.throws(() => wrapping.unwrap(key), { code: 'KEYRING_UNAVAILABLE' });
  chmodSync(path, 0o600);
  await sleep(1100);
  assert.equal(wrapping.unwrap(key).length, 32, 'the right file back: served again');
  const file = JSON.parse(readFileSync(path, 'utf8')) as { keys: { key: string }[] };
  for (const k of file.keys) k.key = randomBytes(32).toString('base64');
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
  await sleep(1100);
  assert.throws(() => wrapping.unwrap(key), { code: 'KEYRING_MISMATCH' });
  rmSync(dir, { recursive: true, force: true });
});

describe('an installation older than shred groups (sqlite)', () => {
  let database: TestDatabase;
  let config: Readonly<Config>;
  let custos: Custos;
  const start = () => createCustos(config, { logger: createLogger('silent') });

  before(async () => {
    database = await newTestDatabase('sqlite');
    config = loadConfig({
      CUSTOS_DATA_DIR: database.dir as string,
      CUSTOS_DATABASE_URL: database.url,
      CUSTOS_DEMO: 'false',
      CUSTOS_HONEY_RECORDS: '0',
      CUSTOS_LOG_LEVEL: 'silent',
      CUSTOS_SHRED_GRACE_MS: '0',
    });
    custos = await start();
    await custos.initialise();
  });
  after(async () => {
    await custos?.close();
    await database?.drop();
  });

  /** The stored key row of a customer, as the keyring reads it. */
  const keyRow = async (customerId: string): Promise<WrappedDataKey> =>
    (await createKeyringStore(custos.database.db).customerKey(customerId)) as WrappedDataKey;

  test('refuses to start without the group key file once data keys need it', async () => {
    await custos.vault.createCustomer(systemActor, { name: 'Needs Groups' });
    await custos.close();
    renameSync(config.shredGroupFile, `${config.shredGroupFile}.away`);
    try {
      await assert.rejects(start(), { code: 'KEYRING_UNAVAILABLE' });
    } finally {
      renameSync(`${config.shredGroupFile}.away`, config.shredGroupFile);
    }
    custos = await start();
  });

  test('keys under the master key alone are grouped at start, and a backup from before opens nothing after erasure', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await custos.vault.createCustomer(systemActor, { name: `Old ${i}` })).id);
    // Make them what an older installation stored: the data key under the master key alone.
    const master = fileMasterKeys(config.masterKeyFile);
    const grouped = dataKeyWrapping(master, fileShredGroups(config.shredGroupFile));
    const legacy = dataKeyWrapping(master);
    for (const id of ids) {
      const key = await keyRow(id);
      const old = legacy.wrap(id, key.dekVersion, grouped.unwrap(key), key.createdAt);
      await custos.database.db
        .updateTable('customer_keys')
        .set({ wrapped: old.wrapped, kek_version: old.kekVersion, shred_group: null, group_version: null })
        .where('customer_id', '=', id)
        .execute();
    }
    assert.equal((await custos.vault.unsealFields(ids[0] as string, ['name'])).name, 'Old 0');
    // What a backup taken before the upgrade holds of the victim: the data key under master key v1 alone.
    const victim = ids[0] as string;
    const fromOldBackup = await keyRow(victim);
    assert.equal(fromOldBackup.shredGroup, null);
    await custos.close();

    // Starting the upgraded server groups them and rotates the master key.
    custos = await start();
    for (const id of ids) {
      assert.notEqual((await keyRow(id)).shredGroup, null, `${id} is grouped`);
      assert.match(String((await custos.vault.unsealFields(id, ['name'])).name), /^Old /);
    }
    const versions = (
      JSON.parse(readFileSync(config.masterKeyFile, 'utf8')) as { keys: { version: number }[] }
    ).keys;
    assert.deepEqual(
      versions.map((k) => k.version),
      [2],
      'the master-key version that wrapped them alone is retired',
    );
    // A backup taken after the upgrade, then the erasure.
    const fromNewBackup = await keyRow(victim);
    const pending = await custos.database.db
      .transaction()
      .execute((trx) => custos.shredding.destroyCustomerKey(victim, trx));
    assert.ok(pending);
    await custos.shredding.rekey(pending);

    const remaining = dataKeyWrapping(
      fileMasterKeys(config.masterKeyFile),
      fileShredGroups(config.shredGroupFile),
    );
    assert.throws(() => remaining.unwrap(fromOldBackup), { code: 'KEYRING_UNAVAILABLE' });
    assert.throws(() => remaining.unwrap(fromNewBackup), { code: 'KEYRING_UNAVAILABLE' });
    for (const id of ids.slice(1)) {
      assert.match(String((await custos.vault.unsealFields(id, ['name'])).name), /^Old /);
    }
  });
});
