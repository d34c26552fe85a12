/** Password policy and argon2id hashing: length by code points, common list, personal terms, hashes, timing. */
import argon2 from 'argon2';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertAcceptablePassword,
  isCommonPassword,
  passwordPolicy,
  passwordProblems,
  type PasswordContext,
} from '../../../src/identity/accounts/password-policy.ts';
import {
  dummyPasswordHash,
  dummyVerify,
  hashPassword,
  needsRehash,
  passwordHashParameters,
  verifyPassword,
} from '../../../src/identity/accounts/passwords.ts';
import { isCustosError } from '../../../src/platform/errors.ts';

const reasons = (password: string, context?: PasswordContext) =>
  passwordProblems(password, context).map((p) => p.reason);

describe('password policy', () => {
  test('counts length in code points after NFKC', () => {
    assert.deepEqual(reasons('😀'.repeat(11)), ['too_short']); // 22 UTF-16 units, 11 characters
    assert.deepEqual(reasons('😀'.repeat(12)), []);
    // "e" + combining acute composes to one "é" under NFKC: 24 code points typed, 12 counted.
    assert.deepEqual(reasons('e\u0301'.repeat(12)), []);
    assert.deepEqual(reasons('e\u0301'.repeat(11)), ['too_short']);
    assert.deepEqual(reasons('b'.repeat(passwordPolicy.minLength - 1)), ['too_short']);
    assert.deepEqual(reasons('b'.repeat(passwordPolicy.maxLength)), []);
    assert.deepEqual(reasons('b'.repeat(passwordPolicy.maxLength + 1)), ['too_long']);
  });

  test('refuses passwords on the shipped common list, whatever their case or width', () => {
    for (const common of ['password1234', 'PassWord1234', 'qwertyuiop123', '123456789012', '1qaz2wsx3edc']) {
      assert.deepEqual(reasons(common), ['common_password'], common);
    }
    // Full-width letters and digits fold to ASCII under NFKC.
    assert.deepEqual(reasons('ｐａｓｓｗｏｒｄ１２３４'), ['common_password']);
    assert.equal(isCommonPassword('password'), true);
    assert.equal(isCommonPassword('the quiet otter reads maps at dawn'), false);
  });

  test('has no composition rules: a long passphrase of lower-case words is fine', () => {
    assert.deepEqual(reasons('correct horse battery staple'), []);
    assert.deepEqual(reasons('the quiet otter reads maps at dawn', { login: 'ada@example.com' }), []);
  });

  test('refuses a password containing the login or the display name', () => {
    const ada = { login: 'ada.lovelace+vault@example.com', displayName: 'Ada Lovelace' };
    assert.deepEqual(reasons('my-ADA.LOVELACE-secret', { login: ada.login }), ['contains_login']);
    assert.deepEqual(reasons('ada.lovelace+vault-secret', { login: ada.login }), ['contains_login']);
    assert.deepEqual(reasons('adalovelace-forever!', ada), ['contains_name']);
    assert.deepEqual(reasons('I am Ada Lovelace, hi', { displayName: ada.displayName }), ['contains_name']);
    assert.deepEqual(reasons('call me on 447700900123', { login: '+447700900123' }), ['contains_login']);
    // Terms under four characters are not checked.
    assert.deepEqual(reasons('bo-and-al-went-walking', { login: 'al@example.com', displayName: 'Bo' }), []);
  });

  test('assertAcceptablePassword throws VALIDATION_FAILED that never repeats the password', () => {
    const context = { login: 'grace.hopper@example.com', displayName: 'Grace Hopper' };
    const bad = ['short', 'password1234', 'grace.hopper-1906', 'GraceHopper-rocks', 'x'.repeat(300)];
    for (const password of bad) {
      assert.throws(
        () => assertAcceptablePassword(password, context),
        (error: unknown) => {
          assert.ok(isCustosError(error, 'VALIDATION_FAILED'));
          const visible = JSON.stringify({ message: error.message, details: error.details });
          assert.ok(!visible.includes(password), 'the password must not appear');
          assert.ok(!visible.toLowerCase().includes('hopper'), 'the login and name must not appear');
          assert.ok(error.details?.every((d) => d.path === 'password'));
          return true;
        },
      );
    }
    assert.doesNotThrow(() => assertAcceptablePassword('a long and unremarkable passphrase', context));
  });
});

describe('argon2id hashing', () => {
  const password = 'correct horse battery staple';

  test('round trip; a wrong password is false', async () => {
    const hash = await hashPassword(password);
    assert.equal(await verifyPassword(hash, password), true);
    assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false);
    assert.equal(await verifyPassword(hash, ''), false);
  });

  test('the stored form is argon2id with our parameters, a 16-byte salt and a 32-byte tag', async () => {
    const hash = await hashPassword(password);
    const match = /^\$argon2id\$v=19\$([^$]+)\$([^$]+)\$([^$]+)$/.exec(hash);
    assert.ok(match, 'PHC string for argon2id v=19');
    const params = Object.fromEntries(match[1]!.split(',').map((kv) => kv.split('=')));
    const { memoryCost, timeCost, parallelism } = passwordHashParameters;
    assert.deepEqual(params, { m: String(memoryCost), t: String(timeCost), p: String(parallelism) });
    assert.ok(memoryCost >= 19_456 && timeCost >= 2, 'at least the OWASP floor');
    assert.equal(Buffer.from(match[2]!, 'base64').length, 16);
    assert.equal(Buffer.from(match[3]!, 'base64').length, 32);
    assert.notEqual(await hashPassword(password), hash, 'a fresh salt each time');
  });

  test('verifies the NFKC form, so the same passphrase composed differently still matches', async () => {
    const hash = await hashPassword('caf\u00e9 \ufb01ne passphrase'); // é precomposed, "ﬁ" ligature
    assert.equal(await verifyPassword(hash, 'cafe\u0301 fine passphrase'), true);
  });

  test('a malformed or foreign stored hash is false, never an exception', async () => {
    const real = await hashPassword(password);
    const malformed = [
      '',
      'not a hash',
      real.slice(0, -10),
      real.replace('$argon2id$', '$argon2i$'),
      real.replace('$v=19$', '$v=16$'),
      real.replace(/m=\d+/, 'm=4294967295'), // would ask for 4 TiB
      real.replace(/t=\d+/, 't=100000'),
      real.replace(/p=\d+/, 'p=0'),
      real.replace(/t=\d+/, 't=3,data=AAAA'),
      real + '$extra',
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', // bcrypt
      undefined as unknown as string,
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword(stored, password), false, String(stored));
    }
  });

  test('needsRehash is true for other parameters or unreadable hashes, false for current ones', async () => {
    const current = await hashPassword(password);
    assert.equal(needsRehash(current), false);
    assert.equal(needsRehash(dummyPasswordHash), false, 'regenerate the dummy hash with the parameters');
    const older = await argon2.hash(password.normalize('NFKC'), {
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    assert.equal(needsRehash(older), true);
    assert.equal(await verifyPassword(older, password), true, 'old hashes still verify');
    assert.equal(needsRehash('garbage'), true);
  });

  test('dummyVerify is false and takes about as long as a failed real verification', async () => {
    const hash = await hashPassword(password);
    assert.equal(await dummyVerify(password), false);
    await verifyPassword(hash, 'warm-up attempt'); // first calls pay one-off costs

    const elapsed = async (work: () => Promise<unknown>) => {
      const start = performance.now();
      await work();
      return performance.now() - start;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const real: number[] = [];
    const dummy: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      // Interleaved, so a burst of noise from elsewhere falls on both sides.
      real.push(await elapsed(() => verifyPassword(hash, `wrong guess ${round}`)));
      dummy.push(await elapsed(() => dummyVerify(`wrong guess ${round}`)));
    }
    const ratio = median(dummy) / median(real);
    assert.ok(ratio > 0.5 && ratio < 2, `dummy/real = ${ratio.toFixed(2)}`);
  });
});
