/**
 * Master-key rotation on both dialects: everything still reads back, the old key is retired and no longer
 * needed, an interrupted rotation resumes, a server writing during a rotation loses nothing, and every run
 * is in the ledger before it changes anything.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createKeyRotation, type RotateOptions } from '../../src/crypto/key-rotation.service.ts';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import { createKeyring } from '../../src/crypto/keyring.ts';
import { fileMasterKeys, inlineMasterKeys, type RotatableKeys } from '../../src/crypto/master-keys.ts';
import { fileShredGroups } from '../../src/crypto/shred-groups.ts';
import type { Actor } from '../../src/platform/actor.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

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

/** A rotation as `custos keys rotate` runs it: its own view of the key file, beside the server's. */
function rotateMasterKey(t: TestCustos, options: RotateOptions & { kek: RotatableKeys }) {
  const { kek, ...rest } = options;
  const rotation = createKeyRotation({ kek, store: keyStore(t), ledger: t.custos.ledger, bus: t.custos.bus });
  return rotation.rotate(actor, rest);
}

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
        rotateMasterKey(t, {
          kek: rotator,
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

      const result = await rotateMasterKey(t, {
        kek: fileMasterKeys(path),
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
      // The shred-group keys (the inner wrapping, which rotation never touches) are needed as before.
      const groups = fileShredGroups(t.config.shredGroupFile);
      const ring = createKeyring({ kek: onlyV2, groups, store: keyStore(t), clock: systemClock });
      await ring.load();
      for (const id of ids) {
        const cipher = await ring.cipher(id);
        assert.ok(cipher, id);
      }
    });

    test('a server creating customers during a rotation loses none of them', async () => {
      // The server writes at fixed points of the rotation, reached through the rotation's own store and key
      // file (no sleeps, no hoping the two overlap): in the first grace period, before the first batch,
      // between batches, and after the first pass, where a server that has not yet noticed the new version
      // still wraps under the old one (a keyring over the old key alone plays that server).
      const store = keyStore(t);
      const oldKey = (JSON.parse(readFileSync(t.config.masterKeyFile, 'utf8')) as { keys: { key: string }[] })
        .keys[0]?.key;
      const stale = createKeyring({ kek: inlineMasterKeys(`v2:${oldKey}`), store, clock: systemClock });
      await stale.load();
      const during: string[] = [];
      const phases: string[] = [];
      let next = 100;
      const createSome = async (phase: string) => {
        phases.push(phase);
        during.push(...(await seed(t, next, 3)));
        next += 3;
      };
      const staleIds = [randomUUID(), randomUUID()];
      let inGrace: Promise<void> | undefined;
      let batches = 0;
      const kek = fileMasterKeys(t.config.masterKeyFile);
      const hookedKek: RotatableKeys = Object.assign(Object.create(kek) as RotatableKeys, {
        addVersion: () => {
          const added = kek.addVersion();
          inGrace = createSome('first grace');
          return added;
        },
      });
      const hooked: typeof store = {
        ...store,
        async keysNotUnder(target, limit) {
          batches++;
          if (batches === 1) {
            await inGrace;
            await createSome('before the first batch');
          }
          if (batches === 3) await createSome('between batches');
          return store.keysNotUnder(target, limit);
        },
        async secrets() {
          if (!phases.includes('after the first pass')) {
            await createSome('after the first pass');
            await stale.saveCustomerKeys(staleIds.map((id) => stale.newCustomerKey(id).key));
            assert.equal(await store.countKeysNotUnder(3), 2, 'the stale server wrapped under v2');
          }
          return store.secrets();
        },
      };
      const rotation = createKeyRotation({
        kek: hookedKek,
        store: hooked,
        ledger: t.custos.ledger,
        bus: t.custos.bus,
      });
      const result = await rotation.rotate(actor, { batchSize: 7, graceMs: 1200 });
      assert.deepEqual(phases, [
        'first grace',
        'before the first batch',
        'between batches',
        'after the first pass',
      ]);
      assert.equal(result.resumed, false);
      assert.equal(result.toVersion, 3);
      assert.deepEqual(fileVersions(t.config.masterKeyFile), [3]);
      assert.equal(await keyStore(t).countKeysNotUnder(3), 0);
      await readsBack(t, ids, 0);
      await readsBack(t, during, 100);
      for (const id of staleIds)
        assert.ok(await t.custos.keyring.cipher(id), 'the late v2 wrapping was moved');
    });

    test('each run is ledgered ahead: started with its versions, act.failed when interrupted, rotated when done', async () => {
      const started = await ledgerEntries(t.custos, 'keys.rotation_started');
      assert.deepEqual(
        started.map((e) => e.data),
        [
          { fromVersions: [1], toVersion: 2, resumed: false },
          { fromVersions: [1], toVersion: 2, resumed: true },
          { fromVersions: [2], toVersion: 3, resumed: false },
        ],
      );
      assert.ok(started.every((e) => e.actor === 'api-token:test'));
      const failed = await ledgerEntries(t.custos, 'act.failed');
      assert.equal(failed.length, 1, 'the interrupted run, and only it, failed');
      const rotated = await ledgerEntries(t.custos, 'keys.rotated');
      assert.deepEqual(
        rotated.map((e) => [e.data.fromVersions, e.data.toVersion]),
        [
          [[1], 2],
          [[2], 3],
        ],
      );
      assert.ok((rotated[0]?.data.rewrapped ?? 0) > 0);
      assert.ok(
        (started[0]?.at ?? Infinity) <= (failed[0]?.at ?? 0) &&
          (started[1]?.at ?? Infinity) <= (rotated[0]?.at ?? 0),
        'each start is written before what follows it',
      );

      const inline = createKeyRotation({
        kek: undefined,
        store: keyStore(t),
        ledger: t.custos.ledger,
        bus: t.custos.bus,
      });
      const size = t.custos.ledger.size();
      await assert.rejects(inline.rotate(actor), { code: 'CONFIG_INVALID' });
      assert.equal(t.custos.ledger.size(), size, 'a rotation that cannot run records nothing');
    });
  });
}
