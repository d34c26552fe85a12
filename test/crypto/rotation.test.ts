/**
 * Master-key rotation on both dialects: everything still reads back, the old key is retired and no longer
 * needed, an interrupted rotation resumes, and a server writing during a rotation loses nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import { createKeyring } from '../../src/crypto/keyring.ts';
import { fileMasterKeys, inlineMasterKeys } from '../../src/crypto/master-keys.ts';
import { rotateMasterKey } from '../../src/crypto/rotation.ts';
import type { Actor } from '../../src/platform/actor.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const actor: Actor = { type: 'api-token', id: 'test' };

async function seed(t: TestCustos, from: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const view = await t.custos.vault.createCustomer(actor, {
      name: `Customer ${i}`,
      phone: `1380000${String(i).padStart(4, '0')}`,
    });
    ids.push(view.id);
  }
  return ids;
}

async function readsBack(t: TestCustos, ids: string[], first: number): Promise<void> {
  for (const [n, id] of ids.entries()) {
    const { name } = await t.custos.vault.unsealFields(id, ['name']);
    assert.equal(name, `Customer ${first + n}`);
    assert.ok((await t.custos.vault.getMasked(actor, id)).fields.phone);
  }
}

/** The keyring's table, read directly: what the rotation moves. */
const keyStore = (t: TestCustos) => createKeyringStore(t.custos.database.db);

function fileVersions(path: string): number[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { keys: { version: number }[] }).keys.map(
    (k) => k.version,
  );
}

for (const { dialect, skip } of await dialects()) {
  describe(`master-key rotation on ${dialect}`, { skip }, () => {
    let t: TestCustos;
    let ids: string[];
    before(async () => {
      t = await testCustos(dialect);
      ids = await seed(t, 0, 25);
    });
    after(async () => t?.cleanup());

    test('an interrupted rotation leaves everything readable and resumes to the end', async () => {
      const path = t.config.masterKeyFile;
      const rotator = fileMasterKeys(path);
      let batches = 0;
      await assert.rejects(
        rotateMasterKey({
          kek: rotator,
          store: keyStore(t),
          batchSize: 10,
          graceMs: 0,
          onProgress: () => {
            if (++batches === 1) throw new Error('power cut');
          },
        }),
        /power cut/,
      );
      assert.deepEqual(fileVersions(path), [1, 2], 'mid-rotation both versions are held');
      assert.ok((await keyStore(t).countKeysNotUnder(2)) > 0, 'some keys are still under v1');
      await readsBack(t, ids, 0);

      const result = await rotateMasterKey({
        kek: fileMasterKeys(path),
        store: keyStore(t),
        batchSize: 10,
        graceMs: 0,
      });
      assert.equal(result.resumed, true);
      assert.equal(result.toVersion, 2);
      assert.deepEqual(fileVersions(path), [2], 'v1 is retired');
      assert.equal(await keyStore(t).countKeysNotUnder(2), 0);
      await readsBack(t, ids, 0);
    });

    test('the retired key is no longer needed: v2 alone opens everything', async () => {
      const file = JSON.parse(readFileSync(t.config.masterKeyFile, 'utf8')) as {
        keys: { version: number; key: string }[];
      };
      const onlyV2 = inlineMasterKeys(`v2:${file.keys[0]?.key}`);
      const ring = createKeyring({ kek: onlyV2, store: keyStore(t), clock: systemClock });
      await ring.load();
      for (const id of ids) {
        const cipher = await ring.cipher(id);
        assert.ok(cipher, id);
      }
    });

    test('a server creating customers during a rotation loses none of them', async () => {
      const rotation = rotateMasterKey({
        kek: fileMasterKeys(t.config.masterKeyFile),
        store: keyStore(t),
        batchSize: 7,
        graceMs: 1200,
      });
      const during: string[] = [];
      for (let round = 0; round < 6; round++) {
        during.push(...(await seed(t, 100 + round * 3, 3)));
        await new Promise((r) => setTimeout(r, 150));
      }
      const result = await rotation;
      assert.equal(result.resumed, false);
      assert.equal(result.toVersion, 3);
      assert.deepEqual(fileVersions(t.config.masterKeyFile), [3]);
      assert.equal(await keyStore(t).countKeysNotUnder(3), 0);
      await readsBack(t, ids, 0);
      await readsBack(t, during, 100);
    });
  });
}
