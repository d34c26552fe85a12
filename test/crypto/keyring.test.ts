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
