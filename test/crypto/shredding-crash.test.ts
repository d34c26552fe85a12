/**
 * Crash tests for erasure's group re-key (crypto/shredding.ts): wherever the process dies between the steps,
 * the next start finishes the re-key — the erased customer's old wrapping opens under no key that remains,
 * and every other member of the group still opens.
 *
 *   - died after the erasure's transaction (key row gone, to-do written), before the key file changed;
 *   - killed for real (SIGKILL) while serving an erasure over HTTP, once the key file holds both versions
 *     of the group (the server waits out a long grace period there, so the kill lands between the steps).
 *
 * A group file of two groups, so that every group has several members to move.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCustos, type Custos } from '../../src/app.ts';
import { dataKeyWrapping } from '../../src/crypto/dek-wrapping.ts';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import type { WrappedDataKey } from '../../src/crypto/keyring.types.ts';
import { fileMasterKeys } from '../../src/crypto/master-keys.ts';
import { createShredGroupFile, fileShredGroups } from '../../src/crypto/shred-groups.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestDatabase, type TestDatabase } from '../support/databases.ts';
import { fetchSend, signInStaff } from '../support/staff-session.ts';

const repo = new URL('../../', import.meta.url).pathname;
const env = (dataDir: string, databaseUrl: string, groupFile: string, graceMs: number) => ({
  CUSTOS_DATA_DIR: dataDir,
  CUSTOS_DATABASE_URL: databaseUrl,
  CUSTOS_SHRED_GROUP_FILE: groupFile,
  CUSTOS_SHRED_GRACE_MS: String(graceMs),
  CUSTOS_DEMO: 'false',
  CUSTOS_HONEY_RECORDS: '0',
  CUSTOS_LOG_LEVEL: 'silent',
  CUSTOS_PRIVILEGED_COOLING_OFF_HOURS: '0',
  CUSTOS_SETUP_WINDOW_HOURS: '100000',
  CUSTOS_HOST: '127.0.0.1',
  CUSTOS_PORT: '0',
});

/** The stored key row of a customer, as the keyring reads it. */
async function keyRow(custos: Custos, customerId: string): Promise<WrappedDataKey | undefined> {
  return createKeyringStore(custos.database.db).customerKey(customerId);
}

function groupVersions(groupFile: string, group: number): number[] {
  const file = JSON.parse(readFileSync(groupFile, 'utf8')) as { keys: { group: number; version: number }[] };
  return file.keys.filter((k) => k.group === group).map((k) => k.version);
}

describe('a crash between the steps of a group re-key is finished at the next start (sqlite)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let groupFile: string;
  let config: Readonly<Config>;
  let custos: Custos;
  let adminToken: string;
  let ids: string[];
  const start = async (graceMs = 0) => {
    config = loadConfig(env(dataDir, database.url, groupFile, graceMs));
    return createCustos(config, { logger: createLogger('silent') });
  };
  /** After the restart: the victim's old wrapping opens under no key left; every other customer opens. */
  const assertFinished = async (victim: WrappedDataKey, others: string[]) => {
    const group = victim.shredGroup as number;
    assert.deepEqual(groupVersions(groupFile, group), [(victim.groupVersion as number) + 1]);
    assert.deepEqual(await custos.database.db.selectFrom('shred_rekeys').selectAll().execute(), []);
    const wrapping = dataKeyWrapping(fileMasterKeys(config.masterKeyFile), fileShredGroups(groupFile));
    assert.throws(() => wrapping.unwrap(victim), { code: 'KEYRING_UNAVAILABLE' });
    for (const id of others) {
      const values = await custos.vault.unsealFields(id, ['name']);
      assert.match(String(values.name), /^Crash Customer/, id);
    }
  };

  before(async () => {
    database = await newTestDatabase('sqlite');
    dataDir = database.dir as string;
    groupFile = join(mkdtempSync(join(tmpdir(), 'custos-groups-')), 'shred-groups.key');
    createShredGroupFile(groupFile, 2);
    custos = await start();
    adminToken = (await custos.initialise()).adminToken as string;
    ids = [];
    for (let i = 0; i < 12; i++) {
      const view = await custos.vault.createCustomer(systemActor, {
        name: `Crash Customer ${i}`,
        email: `crash${i}.${process.pid}@example.com`,
      });
      ids.push(view.id);
    }
  });
  after(async () => {
    await custos?.close();
    await database?.drop();
    rmSync(groupFile, { force: true });
  });

  test('died after the transaction, before the key file changed', async () => {
    const victimId = ids.shift() as string;
    const victim = (await keyRow(custos, victimId)) as WrappedDataKey;
    await custos.database.db
      .transaction()
      .execute((trx) => custos.shredding.destroyCustomerKey(victimId, trx));
    assert.equal(groupVersions(groupFile, victim.shredGroup as number).length, 1, 'the file is untouched');
    await custos.close();
    custos = await start();
    await assertFinished(victim, ids);
  });

  test('killed (SIGKILL) while the key file holds both versions, mid-erasure over HTTP', async () => {
    await custos.close();
    const victimId = ids.shift() as string;
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'serve'], {
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CUSTOS_'))),
        // A grace period far longer than the test: the server waits there with both versions in the file.
        ...env(dataDir, database.url, groupFile, 600_000),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 60_000);
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
      });
      const send = fetchSend(url);
      const officer = await signInStaff(send, adminToken, { role: 'security' });
      const fresh = await start();
      const victim = (await keyRow(fresh, victimId)) as WrappedDataKey;
      await fresh.close();
      const group = victim.shredGroup as number;
      const erasing = send('POST', `/v1/customers/${victimId}/erasure`, undefined, {
        authorization: `Bearer ${officer.token}`,
      }).catch(() => undefined);
      for (let i = 0; groupVersions(groupFile, group).length < 2; i++) {
        assert.ok(i < 600, 'the new version reaches the key file');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill('SIGKILL');
      await exited;
      await erasing;
      assert.equal(groupVersions(groupFile, group).length, 2, 'killed with both versions in the file');
      custos = await start();
      await assertFinished(victim, ids);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
