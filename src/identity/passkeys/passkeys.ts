/**
 * Passkeys for accounts of either realm (staff and customers): WebAuthn registration and usernameless sign-in
 * over `@simplewebauthn/server`. A passkey belongs to one account; the account's realm decides where it may
 * sign in, which the caller checks (see `account-passkeys.service.ts`): this module knows accounts only by id.
 *
 * Every credential is discoverable (the authenticator keeps the account's user handle, so sign-in needs no
 * username) and every ceremony requires user verification (PIN or biometric), so a passkey is both factors on
 * its own. An account may hold several passkeys, each named and removable by its owner.
 *
 * Challenges are the caller's to keep server-side (Custos keeps them in `auth_challenges`) between the options
 * call and the verify call. Each is bound to one purpose and, for registration, to one account, and expires;
 * the caller takes it out of storage before verifying, so it is used at most once whatever the outcome. A
 * failed sign-in is always the same `AUTH_INVALID` to the client; the reason goes to the log and to the
 * error's `cause`, never the answer.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { secureRandom } from '../../crypto/random.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';

/** One stored passkey. `publicKey` is the COSE key; `counter` the last signature counter seen. */
export interface PasskeyRow {
  /** The credential ID, base64url without padding, exactly as the browser reports it. */
  credentialId: string;
  accountId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  /** The owner's label, e.g. "Work laptop". */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** What the owner may see of a passkey: everything but the key itself. */
export type PasskeySummary = Omit<PasskeyRow, 'publicKey' | 'counter'>;

/** The narrow storage the passkey service needs; the SQL store and the in-memory test store implement it. */
export interface PasskeyStore {
  byAccount(accountId: string): Promise<PasskeyRow[]>;
  byCredentialId(credentialId: string): Promise<PasskeyRow | undefined>;
  insert(row: PasskeyRow): Promise<void>;
  updateCounter(credentialId: string, counter: number, lastUsedAt: number): Promise<void>;
  /** True when a row owned by `accountId` was renamed. */
  rename(accountId: string, credentialId: string, name: string): Promise<boolean>;
  /** True when a row owned by `accountId` was removed. */
  remove(accountId: string, credentialId: string): Promise<boolean>;
}

export interface PasskeyConfig {
  /** The registrable domain the credentials are scoped to, e.g. `custos.example` (or `localhost`). */
  rpId: string;
  /** The name authenticators show, e.g. "Custos". */
  rpName: string;
  /** The exact web origin ceremonies run on, e.g. `https://custos.example`. */
  origin: string;
  /** How long a challenge stays valid; five minutes unless set. */
  challengeTtlMs?: number;
}

/**
 * A challenge waiting for its answer. Plain data, so it can be stored as JSON; it grants nothing by itself,
 * but must come from our side (never from the request) because it names the account being registered.
 */
export interface PasskeyChallenge {
  value: string;
  purpose: 'register' | 'authenticate';
  /** For registration: the account the new passkey will belong to. */
  accountId?: string;
  expiresAt: number;
}

export interface PasskeyAccount {
  id: string;
  /** The sign-in name authenticators show in their account pickers. */
  login: string;
  displayName: string;
}

/** ES256 first (every platform authenticator), then EdDSA, then RS256 (Windows Hello). */
const SUPPORTED_ALGORITHMS = [-7, -8, -257];
const DEFAULT_CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_BYTES = 32;
const MAX_NAME_LENGTH = 64;
/**
 * The challenge as the library wants it: bytes. Given a string, `generate*Options` would treat it as UTF-8
 * text and base64url-encode it again, so the browser would sign a different value from the one we keep.
 */
function challengeBytes(challenge: PasskeyChallenge): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge.value, 'base64url'));
}

/** WebAuthn caps the user handle at 64 bytes. */
const MAX_USER_HANDLE_BYTES = 64;

/** Trimmed, 1–64 characters, no control characters; VALIDATION_FAILED otherwise. */
export function passkeyName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\p{Cc}\p{Cf}]/u.test(name)) {
    throw validationFailed([{ path: 'name', problem: `must be 1–${MAX_NAME_LENGTH} printable characters` }]);
  }
  return name;
}

/** The user handle stored in the authenticator: the account ID's UTF-8 bytes. */
function userHandle(accountId: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Buffer.from(accountId, 'utf8'));
  if (bytes.length === 0 || bytes.length > MAX_USER_HANDLE_BYTES) {
    throw new CustosError('INTERNAL', 'The account cannot hold passkeys');
  }
  return bytes;
}

const TRANSPORTS: ReadonlySet<string> = new Set<AuthenticatorTransport>([
  'ble',
  'hybrid',
  'internal',
  'nfc',
  'usb',
]);

/** Stored transports are hints for the browser; ones this library does not know are dropped, not guessed. */
function knownTransports(stored: string[]): AuthenticatorTransport[] {
  return stored.filter((t): t is AuthenticatorTransport => TRANSPORTS.has(t));
}

function summary({ publicKey: _key, counter: _counter, ...rest }: PasskeyRow): PasskeySummary {
  return rest;
}

/**
 * The passkey service.
 *
 * @example
 * const passkeys = createPasskeys({ store, clock, logger, config: { rpId, rpName, origin } });
 * const { options, challenge } = await passkeys.authenticationOptions();
 * const { handle } = await challenges.issue('passkey.sign_in', challenge, ttl); // browser: startAuthentication
 * const pending = await challenges.take<PasskeyChallenge>(handle, 'passkey.sign_in'); // single use
 * const { accountId } = await passkeys.verifyAuthentication({ response, expectedChallenge: pending });
 */
export function createPasskeys(deps: {
  store: PasskeyStore;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  config: PasskeyConfig;
}) {
  const { store, clock, logger, config } = deps;
  const ttl = config.challengeTtlMs ?? DEFAULT_CHALLENGE_TTL_MS;

  function newChallenge(purpose: PasskeyChallenge['purpose'], accountId?: string): PasskeyChallenge {
    return {
      value: secureRandom(CHALLENGE_BYTES).toString('base64url'),
      purpose,
      ...(accountId === undefined ? {} : { accountId }),
      expiresAt: clock.now() + ttl,
    };
  }

  /** The reason for a refusal goes to the log and the cause; the client sees one fixed message. */
  function refuse(code: 'AUTH_INVALID' | 'BAD_REQUEST', reason: string, cause?: unknown): CustosError {
    logger.warn(
      { reason, err: cause },
      code === 'AUTH_INVALID' ? 'passkey sign-in refused' : 'passkey refused',
    );
    const message =
      code === 'AUTH_INVALID' ? 'The credentials are not valid' : 'The passkey could not be registered';
    return new CustosError(code, message, { cause: cause ?? new Error(reason) });
  }

  /** The reason a pending challenge cannot be used, or undefined when it can. */
  function challengeProblem(
    challenge: PasskeyChallenge | undefined,
    purpose: PasskeyChallenge['purpose'],
  ): string | undefined {
    if (!challenge) return 'no challenge pending';
    if (challenge.purpose !== purpose) return `challenge was issued for ${challenge.purpose}`;
    if (clock.now() >= challenge.expiresAt) return 'challenge expired';
    return undefined;
  }

  return {
    /**
     * Options for `navigator.credentials.create()` (or `startRegistration()`), and the challenge to keep.
     * The account's existing passkeys are excluded so one authenticator is not registered twice.
     */
    async registrationOptions({
      account,
    }: {
      account: PasskeyAccount;
    }): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challenge: PasskeyChallenge }> {
      const challenge = newChallenge('register', account.id);
      const existing = await store.byAccount(account.id);
      const options = await generateRegistrationOptions({
        rpName: config.rpName,
        rpID: config.rpId,
        userID: userHandle(account.id),
        userName: account.login,
        userDisplayName: account.displayName,
        challenge: challengeBytes(challenge),
        timeout: ttl,
        attestationType: 'none',
        excludeCredentials: existing.map((row) => ({
          id: row.credentialId,
          transports: knownTransports(row.transports),
        })),
        authenticatorSelection: {
          residentKey: 'required',
          requireResidentKey: true,
          userVerification: 'required',
        },
        extensions: { credProps: true },
        supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
      });
      return { options, challenge };
    },

    /**
     * Check the browser's answer to `registrationOptions` and store the new passkey under `name` for the
     * account the challenge was issued to. BAD_REQUEST (reason logged) when anything does not hold.
     */
    async verifyRegistration({
      response,
      expectedChallenge,
      name,
    }: {
      response: RegistrationResponseJSON;
      expectedChallenge: PasskeyChallenge | undefined;
      name: string;
    }): Promise<PasskeySummary> {
      const label = passkeyName(name);
      const problem = challengeProblem(expectedChallenge, 'register');
      if (problem || !expectedChallenge?.accountId)
        throw refuse('BAD_REQUEST', problem ?? 'challenge names no account');
      const accountId = expectedChallenge.accountId;

      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: expectedChallenge.value,
          expectedOrigin: config.origin,
          expectedRPID: config.rpId,
          requireUserPresence: true,
          requireUserVerification: true,
          supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
        });
      } catch (error) {
        throw refuse('BAD_REQUEST', 'registration response did not verify', error);
      }
      if (!verification.verified) throw refuse('BAD_REQUEST', 'registration response did not verify');
      // Browsers that report credProps tell us whether the key is discoverable; one that is not could never
      // be used for usernameless sign-in, so it is not worth storing.
      if (response.clientExtensionResults?.credProps?.rk === false) {
        throw refuse('BAD_REQUEST', 'authenticator created a non-discoverable credential');
      }

      const { credential } = verification.registrationInfo;
      if (await store.byCredentialId(credential.id))
        throw refuse('BAD_REQUEST', 'credential already registered');
      const row: PasskeyRow = {
        credentialId: credential.id,
        accountId,
        publicKey: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: [...(credential.transports ?? [])],
        name: label,
        createdAt: clock.now(),
        lastUsedAt: null,
      };
      await store.insert(row);
      return summary(row);
    },

    /** Options for a usernameless sign-in: no allowCredentials, so the authenticator offers its passkeys. */
    async authenticationOptions(): Promise<{
      options: PublicKeyCredentialRequestOptionsJSON;
      challenge: PasskeyChallenge;
    }> {
      const challenge = newChallenge('authenticate');
      const options = await generateAuthenticationOptions({
        rpID: config.rpId,
        challenge: challengeBytes(challenge),
        timeout: ttl,
        userVerification: 'required',
      });
      return { options, challenge };
    },

    /**
     * Check a sign-in and name the account it proves. The stored counter moves forward on success.
     * Anything wrong — unknown credential, user handle for another account, bad signature, no user
     * verification, stale counter, expired challenge — is the same AUTH_INVALID.
     */
    async verifyAuthentication({
      response,
      expectedChallenge,
    }: {
      response: AuthenticationResponseJSON;
      expectedChallenge: PasskeyChallenge | undefined;
    }): Promise<{ accountId: string; credentialId: string }> {
      const problem = challengeProblem(expectedChallenge, 'authenticate');
      if (problem || !expectedChallenge) throw refuse('AUTH_INVALID', problem ?? 'no challenge pending');
      if (typeof response?.id !== 'string') throw refuse('AUTH_INVALID', 'response names no credential');

      const row = await store.byCredentialId(response.id);
      if (!row) throw refuse('AUTH_INVALID', 'unknown credential');
      // A discoverable credential returns the user handle it was created with; it must be this row's account.
      const handle = response.response?.userHandle;
      if (handle !== Buffer.from(userHandle(row.accountId)).toString('base64url')) {
        throw refuse('AUTH_INVALID', handle ? 'user handle does not match the credential' : 'no user handle');
      }

      let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: expectedChallenge.value,
          expectedOrigin: config.origin,
          expectedRPID: config.rpId,
          credential: {
            id: row.credentialId,
            publicKey: new Uint8Array(row.publicKey),
            counter: row.counter,
            transports: knownTransports(row.transports),
          },
          requireUserVerification: true,
        });
      } catch (error) {
        throw refuse('AUTH_INVALID', 'authentication response did not verify', error);
      }
      if (!verification.verified) throw refuse('AUTH_INVALID', 'signature did not verify');
      if (!verification.authenticationInfo.userVerified)
        throw refuse('AUTH_INVALID', 'user was not verified');

      await store.updateCounter(row.credentialId, verification.authenticationInfo.newCounter, clock.now());
      return { accountId: row.accountId, credentialId: row.credentialId };
    },

    /** The account's passkeys, oldest first, without their keys. */
    async list(accountId: string): Promise<PasskeySummary[]> {
      const rows = await store.byAccount(accountId);
      return rows.sort((a, b) => a.createdAt - b.createdAt).map(summary);
    },

    /** Rename one of the account's own passkeys; NOT_FOUND for anyone else's. */
    async rename(accountId: string, credentialId: string, name: string): Promise<void> {
      const label = passkeyName(name);
      if (!(await store.rename(accountId, credentialId, label))) {
        throw new CustosError('NOT_FOUND', 'No such passkey');
      }
    },

    /** Remove one of the account's own passkeys; NOT_FOUND for anyone else's. */
    async remove(accountId: string, credentialId: string): Promise<void> {
      if (!(await store.remove(accountId, credentialId)))
        throw new CustosError('NOT_FOUND', 'No such passkey');
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
