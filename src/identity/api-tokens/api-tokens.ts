/**
 * Admin API tokens: 256-bit random bearer tokens, shown once at creation and stored only as SHA-256.
 * A token's entropy makes a plain hash safe (no offline guessing), and lookup by hash is constant-time in
 * effect: the secret is never compared byte by byte. They manage staff and read the ledger; they reach no
 * customer data (that needs a staff session with a second factor).
 */
import { tokenHash } from '../../crypto/token-hash.ts';
import { secureRandom } from '../../crypto/random.ts';
import type { Actor } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { ApiTokenStore } from './api-tokens.store.ts';

const PREFIX = 'cst_';
const TOKEN_SHAPE = /^cst_[A-Za-z0-9_-]{43}$/;

export function createApiTokens({ store, clock }: { store: ApiTokenStore; clock: Clock }) {
  return {
    /** Mint a token; the returned secret is the only copy. */
    async create(label: string): Promise<{ id: string; token: string }> {
      const token = PREFIX + secureRandom(32).toString('base64url');
      const id = uuidv7(clock.now());
      await store.insert({ id, label, tokenHash: tokenHash(token), createdAt: clock.now(), revokedAt: null });
      return { id, token };
    },

    /** The actor a bearer token stands for; AUTH_INVALID for anything else. */
    async authenticate(token: string): Promise<Actor> {
      if (!TOKEN_SHAPE.test(token)) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      const stored = await store.activeByHash(tokenHash(token));
      if (!stored) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      return { type: 'api-token', id: stored.id };
    },

    revoke: (id: string) => store.revoke(id, clock.now()),
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
