import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KeyringStore } from '../../src/crypto/keyring.store.ts';
import { createKeyring, customerCipher, DEK_VERSION } from '../../src/crypto/keyring.ts';
import { createMasterKeyFile, fileMasterKeys, inlineMasterKeys } from '../../src/crypto/master-keys.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { isCustosError } from '../../src/platform/errors.ts';

const inline = () => inlineMasterKeys(`v1:${randomBytes(32).toString('base64')}`);
const keyring = (kek = inline()) => createKeyring({ kek, store: {} as KeyringStore, clock: systemClock });

test('a sealed field opens only for its customer and field', () => {
  const ring = keyring();
  const alice = ring.newCustomerKey('alice');
  const bob = ring.newCustomerKey('bob');
  const sealed = alice.cipher.seal('phone', '+8613800138000');
  assert.equal(alice.cipher.open('phone', sealed), '+8613800138000');
  assert.throws(
    () => alice.cipher.open('email', sealed),
    (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
  );
  assert.throws(
    () => bob.cipher.open('phone', sealed),
    (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
  );
});

test("a sealed field opens under the customer's stored key row, and not under another customer's", () => {
  const ring = keyring();
  const alice = ring.newCustomerKey('alice');
  const bob = ring.newCustomerKey('bob');
  const sealed = alice.cipher.seal('name', 'Zhang Wei');
  assert.equal(ring.cipherFor(alice.key).open('name', sealed), 'Zhang Wei');
  // A wrapped key copied to another customer's row fails to unwrap: its context names the customer.
  assert.throws(
    () => ring.cipherFor({ ...bob.key, wrapped: alice.key.wrapped }),
    (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
  );
});

test('the customer id in the AAD alone stops a field moving between customers that share a data key', () => {
  // Two customers under one data key (a key-handling bug, or an attacker who copied the wrapped key along
  // with the value): the key opens both, so only the customer id bound into the AAD can refuse the move.
  const dek = randomBytes(32);
  const alice = customerCipher('alice', dek, DEK_VERSION);
  const bob = customerCipher('bob', dek, DEK_VERSION);
  const sealed = alice.seal('phone', '+8613800138000');
  assert.equal(alice.open('phone', sealed), '+8613800138000');
  assert.equal(customerCipher('alice', dek, DEK_VERSION).open('phone', sealed), '+8613800138000');
  assert.throws(
    () => bob.open('phone', sealed),
    (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
  );
});

test('every byte of a sealed field is authenticated, the key-version header included', () => {
  const ring = keyring();
  const { cipher } = ring.newCustomerKey('c');
  const sealed = cipher.seal('email', 'wei@example.com');
  for (let i = 0; i < sealed.length; i++) {
    const copy = Buffer.from(sealed);
    copy[i] = (copy[i] as number) ^ 0x01;
    assert.throws(
      () => cipher.open('email', copy),
      (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
      `byte ${i}`,
    );
  }
  for (const length of [0, 3, 5, 6]) {
    assert.throws(
      () => cipher.open('email', Buffer.alloc(length)),
      (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
      `${length} bytes`,
    );
  }
});

test('without the master key that wrapped it, a data key does not open', () => {
  const a = keyring();
  const { key } = a.newCustomerKey('c');
  const other = keyring();
  assert.throws(
    () => other.cipherFor(key),
    (e) => isCustosError(e, 'SEALED_VALUE_INVALID'),
  );
  assert.throws(
    () => a.cipherFor({ ...key, kekVersion: 9 }),
    (e) => isCustosError(e, 'KEYRING_UNAVAILABLE'),
  );
});

test('the master key file is created 0600, refused when readable by others, and malformed inline keys are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-keys-'));
  const path = join(dir, 'master.key');
  assert.equal(createMasterKeyFile(path), true);
  assert.equal(createMasterKeyFile(path), false);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const keys = fileMasterKeys(path);
  assert.deepEqual(keys.versions(), [1]);
  chmodSync(path, 0o644);
  assert.throws(
    () => fileMasterKeys(path),
    (e) => isCustosError(e, 'KEYRING_UNAVAILABLE'),
  );
  chmodSync(path, 0o600);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/"key": "[^"]+"/, '"key": "c2hvcnQ="'));
  assert.throws(
    () => fileMasterKeys(path),
    (e) => isCustosError(e, 'KEYRING_UNAVAILABLE'),
  );
  assert.throws(
    () => inlineMasterKeys('v1:c2hvcnQ='),
    (e) => isCustosError(e, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => inlineMasterKeys('nonsense'),
    (e) => isCustosError(e, 'CONFIG_INVALID'),
  );
});

test('a re-read key file is checked against every version held: rotation is adopted, a replaced key is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-keys-'));
  const path = join(dir, 'master.key');
  createMasterKeyFile(path);
  const server = fileMasterKeys(path);
  const sealed = server.wrap(Buffer.from('data key'), 'ctx');

  // Another process rotates: adds v2, later retires v1. The server adopts both changes.
  const rotator = fileMasterKeys(path);
  rotator.addVersion();
  server.check();
  assert.deepEqual(server.versions(), [1, 2]);
  assert.equal(server.unwrap(sealed.kekVersion, sealed.wrapped, 'ctx').toString(), 'data key');
  const underV2 = server.wrap(Buffer.from('newer key'), 'ctx');
  assert.equal(underV2.kekVersion, 2);
  rotator.retireBelow(2);
  server.check();
  assert.deepEqual(server.versions(), [2]);

  // The file replaced by a fresh one (v1 again, other bytes: a known version with another key).
  const real = readFileSync(path, 'utf8');
  const impostor = join(dir, 'impostor.key');
  createMasterKeyFile(impostor);
  writeFileSync(path, readFileSync(impostor, 'utf8'), { mode: 0o600 });
  const mismatch = (e: unknown) => isCustosError(e, 'KEYRING_MISMATCH');
  assert.throws(() => server.check(), mismatch);
  // Failed closed: every use throws (no stat needed: the failure is remembered), and the impostor was not adopted.
  assert.throws(() => server.assertAvailable(), mismatch);
  assert.throws(() => server.wrap(Buffer.from('x'), 'ctx'), mismatch);
  assert.throws(() => server.unwrap(2, underV2.wrapped, 'ctx'), mismatch);
  assert.deepEqual(server.versions(), [2]);

  // The same version 2 with other bytes is a mismatch too, also after v1 was retired.
  const doctored = JSON.parse(real) as { keys: { key: string }[] };
  (doctored.keys[0] as { key: string }).key = randomBytes(32).toString('base64');
  writeFileSync(path, JSON.stringify(doctored), { mode: 0o600 });
  assert.throws(() => server.check(), mismatch);

  writeFileSync(path, real, { mode: 0o600 });
  server.check();
  assert.equal(server.unwrap(2, underV2.wrapped, 'ctx').toString(), 'newer key');
});

test('a keyring whose master key does not open its installation secrets is a KEYRING_MISMATCH', async () => {
  const secrets = new Map<string, { name: string; kekVersion: number; wrapped: Buffer; createdAt: number }>();
  const store = {
    secret: async (name: string) => secrets.get(name),
    insertSecret: async (s: { name: string; kekVersion: number; wrapped: Buffer; createdAt: number }) =>
      void secrets.set(s.name, s),
  } as unknown as KeyringStore;
  await createKeyring({ kek: inline(), store, clock: systemClock }).initialise();
  const other = createKeyring({ kek: inline(), store, clock: systemClock });
  await assert.rejects(other.load(), (e) => isCustosError(e, 'KEYRING_MISMATCH'));
  assert.throws(
    () => other.blindIndex('phone', '+8613800138000'),
    (e) => isCustosError(e, 'KEYRING_UNAVAILABLE'),
  );
});

test('keys sharing no version with those held are refused unless the confirmation vouches for them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-keys-'));
  const path = join(dir, 'master.key');
  createMasterKeyFile(path);
  const server = fileMasterKeys(path);
  const asked: string[] = [];
  let vouch = false;
  server.setConfirmation(async (unwrap) => {
    asked.push('asked');
    try {
      return vouch && unwrap(2, underV2.wrapped, 'ctx').toString() === 'canary';
    } catch {
      return false;
    }
  });
  // Another process adds v2 and retires v1 while the server does not look: the server next sees only v2.
  const rotator = fileMasterKeys(path);
  rotator.addVersion();
  const underV2 = rotator.wrap(Buffer.from('canary'), 'ctx');
  rotator.retireBelow(2);
  const mismatch = (e: unknown) => isCustosError(e, 'KEYRING_MISMATCH');
  assert.throws(() => server.check(), mismatch);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(asked, ['asked']);
  assert.throws(() => server.assertAvailable(), mismatch, 'not vouched for: still refused');
  assert.deepEqual(server.versions(), [1]);

  vouch = true;
  assert.throws(() => server.check(), mismatch, 'refused until the answer is in');
  await new Promise((resolve) => setImmediate(resolve));
  server.assertAvailable();
  assert.deepEqual(server.versions(), [2]);
  assert.equal(server.unwrap(2, underV2.wrapped, 'ctx').toString(), 'canary');
  // Adopted keys are remembered: v2 with other bytes is now a mismatch like any known version.
  const file = JSON.parse(readFileSync(path, 'utf8')) as { keys: { key: string }[] };
  (file.keys[0] as { key: string }).key = randomBytes(32).toString('base64');
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
  assert.throws(() => server.check(), mismatch);
});

test('without a confirmation, keys sharing no version with those held are simply refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-keys-'));
  const path = join(dir, 'master.key');
  createMasterKeyFile(path);
  const server = fileMasterKeys(path);
  writeFileSync(path, readFileSync(path, 'utf8').replace('"version": 1', '"version": 3'), { mode: 0o600 });
  assert.throws(
    () => server.check(),
    (e) => isCustosError(e, 'KEYRING_MISMATCH'),
  );
});
