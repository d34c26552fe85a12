import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import QRCode from 'qrcode';
import { decodeBase32, encodeBase32 } from '../../../src/identity/second-factor/base32.ts';
import { otpauthQrDataUrl, otpauthQrSvg, otpauthUri } from '../../../src/identity/second-factor/otpauth.ts';
import {
  generateTotpSecret,
  hotp,
  TOTP_SECRET_BYTES,
  totp,
  totpStep,
  verifyTotp,
  type TotpAlgorithm,
} from '../../../src/identity/second-factor/totp.ts';
import { oathtool } from '../../support/oathtool.ts';

interface OtpVectors {
  hotp: {
    digits: number;
    secret_hex: string;
    secret_base32_derived: string;
    vectors: { counter: number; hotp_6_digits: string }[];
  };
  totp: {
    time_step_seconds: number;
    digits: number;
    seeds_hex: Record<TotpAlgorithm, string>;
    seeds_base32_derived: Record<TotpAlgorithm, string>;
    vectors: {
      unix_time: number;
      T_hex: string;
      mode: TotpAlgorithm;
      totp_8_digits: string;
      code_if_20_byte_seed_wrongly_used?: string;
    }[];
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/totp.json', import.meta.url), 'utf8'),
) as OtpVectors;
const rfcSecret = Buffer.from(vectors.hotp.secret_hex, 'hex');
const at = (seconds: number) => seconds * 1000;
/** A fixed instant in 2026, in the middle of a 30 s step. */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 15);

test('RFC 4226 Appendix D: every HOTP case', () => {
  assert.equal(vectors.hotp.vectors.length, 10);
  assert.deepEqual(decodeBase32(vectors.hotp.secret_base32_derived), rfcSecret);
  assert.equal(encodeBase32(rfcSecret), vectors.hotp.secret_base32_derived);
  for (const v of vectors.hotp.vectors) {
    assert.equal(
      hotp(rfcSecret, v.counter, { digits: vectors.hotp.digits }),
      v.hotp_6_digits,
      `counter ${v.counter}`,
    );
  }
});

test('RFC 6238 Appendix B: every TOTP case, with the per-algorithm seed lengths', () => {
  assert.equal(vectors.totp.vectors.length, 18);
  const period = vectors.totp.time_step_seconds;
  for (const v of vectors.totp.vectors) {
    const label = `${v.mode} at ${v.unix_time}`;
    const seed = Buffer.from(vectors.totp.seeds_hex[v.mode], 'hex');
    // The derived base32 forms carry padding; decoding accepts it and gives the same seed.
    assert.deepEqual(decodeBase32(vectors.totp.seeds_base32_derived[v.mode]), seed, label);
    assert.equal(totpStep(at(v.unix_time), period), Number.parseInt(v.T_hex, 16), label);

    const options = { algorithm: v.mode, digits: vectors.totp.digits, period };
    assert.equal(totp(seed, at(v.unix_time), options), v.totp_8_digits, label);
    assert.equal(
      totp(seed, at(v.unix_time), { algorithm: v.mode }),
      v.totp_8_digits.slice(-6),
      `${label}, 6 digits`,
    );
    assert.deepEqual(
      verifyTotp({
        secret: seed,
        code: v.totp_8_digits,
        now: at(v.unix_time),
        lastUsedStep: null,
        ...options,
      }),
      { step: Number.parseInt(v.T_hex, 16) },
      label,
    );
    // The seed-length trap: the 20-byte SHA-1 seed gives different SHA-256/512 answers.
    if (v.code_if_20_byte_seed_wrongly_used !== undefined) {
      assert.notEqual(v.mode, 'SHA1');
      assert.equal(totp(rfcSecret, at(v.unix_time), options), v.code_if_20_byte_seed_wrongly_used, label);
    }
  }
});

test('base32 round-trips every length and accepts only canonical text', () => {
  for (let length = 0; length <= 41; length++) {
    const bytes = generateBytes(length);
    const text = encodeBase32(bytes);
    assert.match(text, /^[A-Z2-7]*$/);
    assert.deepEqual(decodeBase32(text), bytes);
    assert.deepEqual(decodeBase32(text.toLowerCase()), bytes);
  }
  assert.deepEqual(decodeBase32('MY======'), Buffer.from('f'));
  assert.deepEqual(decodeBase32('MZXW6YQ='), Buffer.from('foob'));
  for (const bad of [
    'MY=',
    'MZXW6YQ==',
    'MZ',
    'M',
    'MZX',
    'MZXW6Y',
    'MY0',
    'M1',
    'MY 6',
    'GEZDGNBV=GY',
    'MFRGG========',
  ]) {
    assert.equal(decodeBase32(bad), null, bad);
  }
});

test('secrets are 160 random bits', () => {
  const secrets = Array.from({ length: 20 }, () => generateTotpSecret());
  assert.equal(TOTP_SECRET_BYTES, 20);
  for (const secret of secrets) {
    assert.equal(secret.length, 20);
    assert.match(encodeBase32(secret), /^[A-Z2-7]{32}$/);
  }
  assert.equal(new Set(secrets.map((s) => s.toString('hex'))).size, secrets.length);
});

test('a window of one step accepts the previous, current and next step, and names the step', () => {
  const secret = generateTotpSecret();
  const current = totpStep(NOW);
  const codeAt = (offset: number) => hotp(secret, current + offset);
  for (const offset of [-1, 0, 1]) {
    assert.deepEqual(verifyTotp({ secret, code: codeAt(offset), now: NOW, lastUsedStep: null, window: 1 }), {
      step: current + offset,
    });
  }
  for (const offset of [-3, -2, 2, 3]) {
    assert.equal(verifyTotp({ secret, code: codeAt(offset), now: NOW, lastUsedStep: null, window: 1 }), null);
  }
  assert.deepEqual(verifyTotp({ secret, code: codeAt(1), now: NOW, lastUsedStep: null }), {
    step: current + 1,
  });
  assert.equal(verifyTotp({ secret, code: codeAt(1), now: NOW, lastUsedStep: null, window: 0 }), null);
  assert.equal(
    verifyTotp({ secret: generateTotpSecret(), code: codeAt(0), now: NOW, lastUsedStep: null }),
    null,
  );
});

test('replays are refused: a step is accepted only when newer than the last used', () => {
  const secret = generateTotpSecret();
  const current = totpStep(NOW);
  const first = verifyTotp({ secret, code: hotp(secret, current), now: NOW, lastUsedStep: current - 5 });
  assert.deepEqual(first, { step: current });
  // The same code again, even a few seconds later within the same window.
  assert.equal(
    verifyTotp({ secret, code: hotp(secret, current), now: NOW + 20_000, lastUsedStep: current }),
    null,
  );
  // An older, never-used code once a newer step has been used.
  assert.equal(
    verifyTotp({ secret, code: hotp(secret, current - 1), now: NOW, lastUsedStep: current }),
    null,
  );
  // The next step is still fine.
  assert.deepEqual(verifyTotp({ secret, code: hotp(secret, current + 1), now: NOW, lastUsedStep: current }), {
    step: current + 1,
  });
});

test('a code valid for two steps in the window matches the later, so it cannot be replayed', () => {
  // Found by search: with the RFC secret, steps 61331809 and 61331811 (in 2028) share a code.
  const [early, late, code] = [61331809, 61331811, '768734'];
  assert.equal(hotp(rfcSecret, early), code);
  assert.equal(hotp(rfcSecret, late), code);
  const now = at((early + 1) * 30 + 10);
  assert.deepEqual(verifyTotp({ secret: rfcSecret, code, now, lastUsedStep: null }), { step: late });
  assert.equal(verifyTotp({ secret: rfcSecret, code, now, lastUsedStep: late }), null);
  assert.deepEqual(verifyTotp({ secret: rfcSecret, code, now, lastUsedStep: early }), { step: late });
});

test('malformed codes are refused even when their digits are right', () => {
  const secret = generateTotpSecret();
  const code = totp(secret, NOW);
  const fullWidth = String.fromCharCode(...[...code].map((c) => 0xff10 + Number(c)));
  const arabicIndic = String.fromCharCode(...[...code].map((c) => 0x0660 + Number(c)));
  const malformed = [
    '',
    code.slice(1),
    `${code}0`,
    ` ${code}`,
    `${code} `,
    `${code}\n`,
    `${code.slice(0, 3)} ${code.slice(3)}`,
    `${code.slice(0, 3)}-${code.slice(3)}`,
    `+${code.slice(1)}`,
    `${code.slice(0, 5)}a`,
    fullWidth,
    arabicIndic,
    '1e+5',
  ];
  for (const bad of malformed) {
    assert.equal(verifyTotp({ secret, code: bad, now: NOW, lastUsedStep: null }), null, JSON.stringify(bad));
  }
  for (const notString of [Number(code), null, undefined, [code]]) {
    assert.equal(
      verifyTotp({ secret, code: notString as unknown as string, now: NOW, lastUsedStep: null }),
      null,
    );
  }
  assert.deepEqual(verifyTotp({ secret, code, now: NOW, lastUsedStep: null }), { step: totpStep(NOW) });
});

test('invalid parameters are programming errors', () => {
  const secret = generateTotpSecret();
  assert.throws(() => hotp(secret, 0, { digits: 5 }), RangeError);
  assert.throws(() => hotp(secret, 0, { digits: 9 }), RangeError);
  assert.throws(() => hotp(secret, 0, { algorithm: 'MD5' as TotpAlgorithm }), RangeError);
  assert.throws(() => hotp(secret.subarray(0, 15), 0), RangeError);
  assert.throws(() => hotp(secret, -1), RangeError);
  assert.throws(() => hotp(secret, 1.5), RangeError);
  assert.throws(() => totpStep(NOW, 0), RangeError);
  for (const window of [-1, 1.5, 11]) {
    assert.throws(
      () => verifyTotp({ secret, code: '123456', now: NOW, lastUsedStep: null, window }),
      RangeError,
    );
  }
  assert.equal(hotp(secret, 2 ** 40 + 7).length, 6);
});

test('oathtool: codes it generates for an enrolled secret verify here', () => {
  const secret = generateTotpSecret();
  const base32 = encodeBase32(secret);
  // Real time: its code must land within our ±1 window whatever the step boundary does.
  const live = oathtool(['--totp', '-b', base32]);
  assert.equal(live.status, 0, live.stderr);
  assert.match(live.lines[0] ?? '', /^[0-9]{6}$/);
  assert.notEqual(
    verifyTotp({ secret, code: live.lines[0] ?? '', now: Date.now(), lastUsedStep: null }),
    null,
  );

  for (const seconds of [0, 59, 1_111_111_109, NOW / 1000, 2_000_000_000, 20_000_000_000]) {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const run = oathtool([`--totp=${algorithm.toLowerCase()}`, '-b', base32, '-N', `@${seconds}`]);
      assert.equal(run.status, 0, run.stderr);
      const code = run.lines[0] ?? '';
      assert.deepEqual(
        verifyTotp({ secret, code, now: at(seconds), lastUsedStep: null, window: 0, algorithm }),
        { step: Math.floor(seconds / 30) },
        `${algorithm} at ${seconds}`,
      );
    }
  }
});

test('oathtool: a run of consecutive steps, 6 and 8 digits, and HOTP counters agree with ours', () => {
  const secret = generateTotpSecret();
  const base32 = encodeBase32(secret);
  const start = totpStep(NOW);
  for (const digits of [6, 8]) {
    const run = oathtool(['--totp', '-b', base32, '-N', `@${start * 30}`, '-d', String(digits), '-w', '40']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      run.lines,
      Array.from({ length: 41 }, (_, i) => hotp(secret, start + i, { digits })),
    );
  }
  const counters = oathtool(['--hotp', '-b', base32, '-c', '1000', '-w', '20']);
  assert.deepEqual(
    counters.lines,
    Array.from({ length: 21 }, (_, i) => hotp(secret, 1000 + i)),
  );
});

test('oathtool: it validates the codes we generate, with the same ±1 window', () => {
  const secret = generateTotpSecret();
  const base32 = encodeBase32(secret);
  const seconds = NOW / 1000;
  const step = totpStep(NOW);
  const validate = (code: string, window: number, algorithm = 'sha1') =>
    oathtool([`--totp=${algorithm}`, '-b', base32, '-N', `@${seconds}`, '-w', String(window), code]).status;

  assert.equal(validate(totp(secret, NOW), 0), 0);
  assert.equal(validate(totp(secret, NOW, { algorithm: 'SHA256' }), 0, 'sha256'), 0);
  assert.equal(validate(totp(secret, NOW, { algorithm: 'SHA512' }), 0, 'sha512'), 0);
  for (const offset of [-2, -1, 0, 1, 2]) {
    const code = hotp(secret, step + offset);
    const ours = verifyTotp({ secret, code, now: NOW, lastUsedStep: null, window: 1 }) !== null;
    const theirs = validate(code, 1) === 0;
    assert.equal(ours, Math.abs(offset) <= 1, `ours at offset ${offset}`);
    assert.equal(theirs, ours, `oathtool at offset ${offset}`);
  }
  const wrong = String((Number(totp(secret, NOW)) + 1) % 1_000_000).padStart(6, '0');
  assert.notEqual(validate(wrong, 0), 0);
});

test('oathtool: the RFC collision steps share a code there too', () => {
  const base32 = encodeBase32(rfcSecret);
  for (const step of [61331809, 61331811]) {
    assert.deepEqual(oathtool(['--totp', '-b', base32, '-N', `@${step * 30}`]).lines, ['768734']);
  }
});

test('otpauth URI: percent-encoded label and every parameter, as the URL API reads it', () => {
  const secret = generateTotpSecret();
  const issuer = 'Custos Vault & Co';
  const accountName = 'alice+ops@example.com';
  const uri = otpauthUri({ issuer, accountName, secret });
  assert.doesNotMatch(uri, /[\s+]/, 'no raw space or plus: a + would read as a space');

  const url = new URL(uri);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  assert.equal(decodeURIComponent(url.pathname), `/${issuer}:${accountName}`);
  assert.equal(url.pathname, '/Custos%20Vault%20%26%20Co:alice%2Bops%40example.com');
  assert.deepEqual([...url.searchParams.keys()], ['secret', 'issuer', 'algorithm', 'digits', 'period']);
  assert.deepEqual(decodeBase32(url.searchParams.get('secret') ?? ''), secret);
  assert.match(url.searchParams.get('secret') ?? '', /^[A-Z2-7]{32}$/);
  assert.equal(url.searchParams.get('issuer'), issuer);
  assert.equal(url.searchParams.get('algorithm'), 'SHA1');
  assert.equal(url.searchParams.get('digits'), '6');
  assert.equal(url.searchParams.get('period'), '30');

  // What an app would do with it: the secret it reads yields codes we accept.
  const fromApp = oathtool(['--totp', '-b', url.searchParams.get('secret') ?? '', '-N', `@${NOW / 1000}`]);
  assert.deepEqual(verifyTotp({ secret, code: fromApp.lines[0] ?? '', now: NOW, lastUsedStep: null }), {
    step: totpStep(NOW),
  });

  const sha256 = new URL(otpauthUri({ issuer: 'Custos', accountName: 'bob', secret, algorithm: 'SHA256' }));
  assert.equal(sha256.searchParams.get('algorithm'), 'SHA256');
  assert.throws(() => otpauthUri({ issuer: 'Cus:tos', accountName: 'bob', secret }), RangeError);
  assert.throws(() => otpauthUri({ issuer: 'Custos', accountName: 'a:b', secret }), RangeError);
  assert.throws(() => otpauthUri({ issuer: '', accountName: 'bob', secret }), RangeError);
});

test('otpauth QR code: a small SVG and a data URL of the same', async () => {
  const uri = otpauthUri({
    issuer: 'Custos',
    accountName: 'alice@example.com',
    secret: generateTotpSecret(),
  });
  const svg = await otpauthQrSvg(uri);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
  assert.match(svg, /<\/svg>\s*$/);
  assert.ok(svg.length < 10_000, `${svg.length} characters`);
  // The symbol encodes the URI: the same matrix as the library builds for it directly.
  const modules = QRCode.create(uri, { errorCorrectionLevel: 'M' }).modules.size;
  assert.ok(svg.includes(`viewBox="0 0 ${modules + 8} ${modules + 8}"`));

  const dataUrl = await otpauthQrDataUrl(uri);
  const prefix = 'data:image/svg+xml;base64,';
  assert.ok(dataUrl.startsWith(prefix));
  assert.equal(Buffer.from(dataUrl.slice(prefix.length), 'base64').toString('utf8'), svg);
});

function generateBytes(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length * 11) & 0xff));
}

test('limits are inclusive where documented: a 16-byte secret and a window of 10 are accepted', () => {
  const secret = Buffer.alloc(16, 3);
  assert.match(hotp(secret, 0), /^[0-9]{6}$/);
  assert.throws(() => hotp(Buffer.alloc(15, 3), 0), RangeError);
  const now = Date.UTC(2026, 10, 23, 9);
  const code = totp(secret, now);
  assert.ok(verifyTotp({ secret, code, now, window: 10, lastUsedStep: null }));
  assert.throws(() => verifyTotp({ secret, code, now, window: 11, lastUsedStep: null }), RangeError);
});

test('a window reaching before the Unix epoch skips the negative steps instead of throwing', () => {
  const secret = Buffer.alloc(20, 5);
  const valid = new Set([0, 1, 2].map((step) => hotp(secret, step)));
  const wrong = ['000000', '111111', '222222'].find((c) => !valid.has(c)) as string;
  assert.equal(verifyTotp({ secret, code: wrong, now: 0, window: 2, lastUsedStep: null }), null);
  assert.deepEqual(verifyTotp({ secret, code: totp(secret, 0), now: 0, window: 2, lastUsedStep: null }), {
    step: 0,
  });
});
