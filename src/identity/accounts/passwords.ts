/**
 * Password hashing: argon2id, encoded as a PHC string (`$argon2id$v=19$m=…,p=…,t=…$salt$tag`) in
 * `accounts.password_hash`.
 *
 * Invariants: a password is NFKC-normalised before it is hashed or verified, the same normalisation the
 * policy counts characters in, so the same passphrase typed on two keyboards that compose accents
 * differently still matches. `verifyPassword` never throws on a stored value and answers `false` for anything
 * that is not an argon2id hash within sane bounds. No password ever reaches a log line or an error.
 *
 * Parameters: RFC 9106 §4's second recommended option, m = 64 MiB, t = 3, p = 4, 16-byte salt, 32-byte tag.
 * That is over three times the memory of OWASP's floor (m = 19 MiB, t = 2, p = 1), and memory is what makes a
 * GPU or ASIC guess expensive. Measured on the development machine (Intel Xeon, 2 vCPU, Node 20): one hash
 * takes ≈ 100 ms (median of 7; 95–106 ms), against ≈ 20 ms for the OWASP floor — cheap for a sign-in, dear for
 * a guesser. node-argon2 runs each hash on the libuv thread pool (four threads unless UV_THREADPOOL_SIZE says
 * otherwise), so at most four hashes hold memory at once: ≈ 256 MiB.
 * Raising a parameter later is safe: old hashes still verify, and `needsRehash` says when to re-hash at the
 * next successful sign-in.
 */
import argon2 from 'argon2';
import { secureRandom } from '../../crypto/random.ts';

/** The parameters new hashes are made with. */
export const passwordHashParameters = Object.freeze({
  memoryCost: 65_536, // KiB = 64 MiB
  timeCost: 3,
  parallelism: 4,
  hashLength: 32,
  saltLength: 16,
});

const ARGON2_VERSION = 0x13;

/**
 * Upper bounds on what a stored hash may ask for before we spend any effort on it: a corrupted or planted
 * row must not make a sign-in allocate gigabytes or run for minutes. Raise them with the parameters above.
 */
const limits = { memoryCost: 1_048_576, timeCost: 16, parallelism: 16 };

/**
 * The fixed hash `dummyVerify` checks against: a random password nobody knows (it was discarded), hashed
 * with the current parameters so that a sign-in for an unknown login costs what a real one does.
 * Regenerate it whenever `passwordHashParameters` change (a test fails until you do).
 */
export const dummyPasswordHash =
  '$argon2id$v=19$m=65536,p=4,t=3$Xslw831L+UfqVojCUwWlBA$BGFXI7P2bej/2Bf+n2rZUpoEyn9md97C9dsbstOfzS4';

interface ParsedHash {
  version: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  saltLength: number;
  hashLength: number;
}

const PHC_SHAPE =
  /^\$argon2id\$v=(\d{1,3})\$([a-z0-9=,]{1,64})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{22,88})$/;

/** The argon2id parameters a PHC string claims, or undefined if it is not one we would ever have written. */
function parseHash(encoded: string): ParsedHash | undefined {
  if (typeof encoded !== 'string') return undefined;
  const match = PHC_SHAPE.exec(encoded);
  if (!match) return undefined;
  const [, version, paramList, salt, tag] = match as unknown as [string, string, string, string, string];
  const params = new Map<string, number>();
  for (const pair of paramList.split(',')) {
    const [name, value, extra] = pair.split('=');
    if (name === undefined || value === undefined || extra !== undefined || !/^\d{1,10}$/.test(value)) {
      return undefined;
    }
    if (params.has(name)) return undefined;
    params.set(name, Number(value));
  }
  const m = params.get('m');
  const t = params.get('t');
  const p = params.get('p');
  if (params.size !== 3 || m === undefined || t === undefined || p === undefined) return undefined;
  if (p < 1 || p > limits.parallelism || t < 1 || t > limits.timeCost) return undefined;
  if (m < 8 * p || m > limits.memoryCost) return undefined;
  return {
    version: Number(version),
    memoryCost: m,
    timeCost: t,
    parallelism: p,
    saltLength: Math.floor((salt.length * 3) / 4),
    hashLength: Math.floor((tag.length * 3) / 4),
  };
}

function normalise(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Hash a password for storage. Check it against the policy first (`assertAcceptablePassword`).
 *
 * @example
 * const hash = await hashPassword('correct horse battery staple');
 * // '$argon2id$v=19$m=65536,p=4,t=3$…'
 */
export async function hashPassword(password: string): Promise<string> {
  const { memoryCost, timeCost, parallelism, hashLength, saltLength } = passwordHashParameters;
  return argon2.hash(normalise(password), {
    type: argon2.argon2id,
    version: ARGON2_VERSION,
    memoryCost,
    timeCost,
    parallelism,
    hashLength,
    salt: secureRandom(saltLength),
  });
}

/**
 * True only if `password` matches `storedHash`. A stored value that is empty, malformed, not argon2id or
 * beyond the bounds above gives `false`, never an exception (the caller answers AUTH_INVALID either way).
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  const parsed = parseHash(storedHash);
  if (!parsed || parsed.version !== ARGON2_VERSION || parsed.saltLength < 8 || parsed.hashLength < 16) {
    return false;
  }
  try {
    return await argon2.verify(storedHash, normalise(password));
  } catch {
    return false;
  }
}

/**
 * True if `storedHash` was not made with today's parameters (or cannot be read at all): after a successful
 * sign-in, hash the password again and store the new hash.
 */
export function needsRehash(storedHash: string): boolean {
  const parsed = parseHash(storedHash);
  if (!parsed) return true;
  const wanted = passwordHashParameters;
  return (
    parsed.version !== ARGON2_VERSION ||
    parsed.memoryCost !== wanted.memoryCost ||
    parsed.timeCost !== wanted.timeCost ||
    parsed.parallelism !== wanted.parallelism ||
    parsed.hashLength !== wanted.hashLength ||
    parsed.saltLength !== wanted.saltLength
  );
}

/**
 * Spend the time a real verification takes, then answer `false`: call it when no account (or no password)
 * matches the login, so a response's timing does not reveal whether the account exists.
 *
 * @example
 * const ok = account?.password_hash
 *   ? await verifyPassword(account.password_hash, password)
 *   : await dummyVerify(password);
 */
export async function dummyVerify(password: string): Promise<false> {
  await verifyPassword(dummyPasswordHash, password);
  return false;
}
