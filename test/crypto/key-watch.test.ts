/**
 * The master-key watch checks the source on its own timer, forcing a fresh look each tick, and logs once
 * per change of state — never once per tick while the key stays missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchMasterKeys } from '../../src/crypto/key-watch.ts';
import { CustosError } from '../../src/platform/errors.ts';

test('one log line per change of state, and every tick asks for a fresh check', async () => {
  let state: 'ok' | 'KEYRING_UNAVAILABLE' | 'KEYRING_MISMATCH' = 'ok';
  const ages: Array<number | undefined> = [];
  const lines: string[] = [];
  const kek = {
    assertAvailable(maxAgeMs?: number) {
      ages.push(maxAgeMs);
      if (state !== 'ok') throw new CustosError(state, 'key trouble');
    },
  };
  const log = {
    warn: (fields: unknown) => void lines.push(`warn ${JSON.stringify(fields)}`),
    info: () => void lines.push('info'),
  } as never;
  const stop = watchMasterKeys(kek, log, 5);
  try {
    await sleep(40);
    state = 'KEYRING_UNAVAILABLE';
    await sleep(40);
    state = 'KEYRING_MISMATCH';
    await sleep(40);
    state = 'ok';
    await sleep(40);
  } finally {
    stop();
  }
  assert.deepEqual(lines, [
    'warn {"code":"KEYRING_UNAVAILABLE"}',
    'warn {"code":"KEYRING_MISMATCH"}',
    'info',
  ]);
  assert.ok(ages.length >= 8, `${ages.length} ticks`);
  assert.ok(
    ages.every((age) => age === 0),
    'each tick looks at the file afresh',
  );
});
