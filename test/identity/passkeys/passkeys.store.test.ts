/** One contract for passkey stores: the in-memory test store and the SQL store on both dialects. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { PasskeyRow, PasskeyStore } from '../../../src/identity/passkeys/passkeys.ts';
import { createPasskeyStore } from '../../../src/identity/passkeys/passkeys.store.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { createMemoryPasskeyStore } from './fixtures/passkey-memory-store.ts';

const row = (credentialId: string, accountId: string, name: string): PasskeyRow => ({
  credentialId,
  accountId,
  publicKey: Buffer.from(`cose-key-${credentialId}`),
  counter: 0,
  transports: ['internal', 'hybrid'],
  name,
  createdAt: 1000 + credentialId.length,
  lastUsedAt: null,
});

function contract(name: string, make: () => Promise<PasskeyStore>) {
  test(`${name}: rows round-trip; changes are scoped to their owner`, async () => {
    const store = await make();
    await store.insert(row('cred-a1', 'alice', 'Laptop'));
    await store.insert(row('cred-a22', 'alice', 'Phone'));
    await store.insert(row('cred-b1', 'bob', 'Key'));
    await assert.rejects(store.insert(row('cred-a1', 'bob', 'Stolen id')));
    const alice = await store.byAccount('alice');
    assert.deepEqual(
      alice.map((r) => r.name),
      ['Laptop', 'Phone'],
    );
    assert.deepEqual((await store.byCredentialId('cred-a1'))?.publicKey, Buffer.from('cose-key-cred-a1'));
    assert.deepEqual((await store.byCredentialId('cred-a1'))?.transports, ['internal', 'hybrid']);
    await store.updateCounter('cred-a1', 7, 5000);
    assert.equal((await store.byCredentialId('cred-a1'))?.counter, 7);
    assert.equal((await store.byCredentialId('cred-a1'))?.lastUsedAt, 5000);
    assert.equal(await store.rename('bob', 'cred-a1', 'Mine now'), false);
    assert.equal(await store.rename('alice', 'cred-a1', 'Work laptop'), true);
    assert.equal(await store.remove('bob', 'cred-a22'), false);
    assert.equal(await store.remove('alice', 'cred-a22'), true);
    assert.equal(await store.byCredentialId('cred-a22'), undefined);
    assert.deepEqual(
      (await store.byAccount('alice')).map((r) => r.name),
      ['Work laptop'],
    );
  });
}

describe('passkey stores', async () => {
  const opened: TestCustos[] = [];
  after(async () => {
    for (const t of opened) await t.cleanup();
  });
  contract('in-memory', async () => createMemoryPasskeyStore());
  for (const { dialect, skip } of await dialects()) {
    if (skip) continue;
    contract(`SQL on ${dialect}`, async () => {
      const t = await testCustos(dialect);
      opened.push(t);
      return createPasskeyStore(t.custos.database.db);
    });
  }
});
