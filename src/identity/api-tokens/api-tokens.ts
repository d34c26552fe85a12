/**
 * Admin API tokens: 256-bit random bearer tokens, shown once at creation and stored only as SHA-256.
 * A token's entropy makes a plain hash safe (no offline guessing), and lookup by hash is constant-time in
 * effect: the secret is never compared byte by byte. They manage staff and read the ledger; they reach no
 * customer data (that needs a staff session with a second factor).
 *
 * Separation of duties: a token carries scopes (each `admin` route needs one) and an expiry. A staff
 * member's token acts for them — what it invites is on their invitation chain — and works only while they
 * and their account are active and their role still grants each scope (`staff_*` for an administrator, `ledger_read` for
 * security, the auditors; `setup` never). Operator tokens act for no one: the first token at setup, and
 * `custos token create` on the host (break-glass: one hour, ledgered, alerted by the caller). Creation and
 * revocation are ledgered ahead.
 */
import { tokenHash } from '../../crypto/token-hash.ts';
import { secureRandom } from '../../crypto/random.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import { isUuid, uuidv7 } from '../../platform/ids.ts';
import { type ApiTokenScope, apiTokenScopes } from '../../platform/route-auth.ts';
import type { StaffPrincipal } from '../sessions/principal.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { StaffDirectory } from '../staff/staff-directory.ts';
import type { StaffRole } from '../staff/staff.types.ts';
import type { AccountStore } from '../accounts/accounts.store.ts';
import type { ApiTokenStore } from './api-tokens.store.ts';
import type { ApiTokenKind, ApiTokenRecord } from './api-tokens.types.ts';

const PREFIX = 'cst_';
const TOKEN_SHAPE = /^cst_[A-Za-z0-9_-]{43}$/;
const HOUR = 3600_000;
/** A staff member's token lasts this long unless they ask for less, and never longer than the maximum. */
export const DEFAULT_TOKEN_HOURS = 7 * 24;
export const MAX_TOKEN_HOURS = 30 * 24;
/** `custos token create`: the operator's break-glass token lasts an hour. */
export const OPERATOR_TOKEN_HOURS = 1;
/** What the first token and an operator's token may do unless told otherwise. */
export const operatorScopes: ApiTokenScope[] = ['staff_invite', 'staff_suspend', 'setup'];

/** Which role a staff member's token needs for each scope (`setup` is the operator's alone). */
const scopeRoles: Record<ApiTokenScope, readonly StaffRole[]> = {
  staff_invite: ['admin'],
  staff_suspend: ['admin'],
  ledger_read: ['security'],
  telephony: ['admin'],
  hr: ['admin'],
  setup: [],
};

/** An authenticated API token: who it acts for and what it may do. */
export interface ApiTokenGrant {
  actor: Actor;
  tokenId: string;
  kind: ApiTokenKind;
  /** The staff member the token acts for; null for an operator's token. */
  ownerStaffId: string | null;
  scopes: ApiTokenScope[];
}

/** A token as listed: never its secret or hash. */
export interface ApiTokenView {
  id: string;
  label: string;
  kind: ApiTokenKind;
  ownerStaffId: string | null;
  scopes: ApiTokenScope[];
  createdAt: string;
  expiresAt: string | null;
}

const view = (t: ApiTokenRecord): ApiTokenView => ({
  id: t.id,
  label: t.label,
  kind: t.kind,
  ownerStaffId: t.ownerStaffId,
  scopes: t.scopes,
  createdAt: new Date(t.createdAt).toISOString(),
  expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
});

function checkScopes(scopes: readonly string[]): ApiTokenScope[] {
  const unknown = scopes.filter((s) => !(apiTokenScopes as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw validationFailed([{ path: 'scopes', problem: `must be some of ${apiTokenScopes.join(', ')}` }]);
  }
  return [...new Set(scopes)] as ApiTokenScope[];
}

export function createApiTokens(deps: {
  store: ApiTokenStore;
  staff: Pick<StaffDirectory, 'activeMember'>;
  /** The owner's sign-in account: a suspended account's tokens stop with its sessions. */
  accounts: Pick<AccountStore, 'bySubject'>;
  ledger: Pick<Ledger, 'record'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  clock: Clock;
}) {
  const { store, clock, ledger } = deps;

  async function mint(
    by: Actor,
    input: Omit<ApiTokenRecord, 'id' | 'tokenHash' | 'createdAt' | 'revokedAt'>,
  ) {
    const token = PREFIX + secureRandom(32).toString('base64url');
    const now = clock.now();
    const id = uuidv7(now);
    await ledger.record(
      {
        type: 'api_token.created',
        actor: actorRef(by),
        data: {
          tokenId: id,
          kind: input.kind,
          ownerStaffId: input.ownerStaffId,
          scopes: input.scopes,
          expiresAt: input.expiresAt,
        },
      },
      () => store.insert({ ...input, id, tokenHash: tokenHash(token), createdAt: now, revokedAt: null }),
    );
    return { id, token, scopes: input.scopes, expiresAt: input.expiresAt };
  }

  return {
    /**
     * The first token of a new installation (operator, no expiry): it makes the first administrators
     * during setup; after setup it keeps only inviting non-privileged staff and suspending.
     */
    async createInitial(): Promise<{ id: string; token: string }> {
      return mint(
        { type: 'system', id: 'initialise' },
        {
          label: 'initial admin token',
          kind: 'operator',
          ownerStaffId: null,
          scopes: operatorScopes,
          expiresAt: null,
        },
      );
    },

    /** The operator's break-glass on the host (`custos token create`): one hour, ledgered. */
    async createOperatorToken(input: { label: string; scopes?: string[] }) {
      const scopes = checkScopes(input.scopes ?? operatorScopes);
      return mint(
        { type: 'system', id: 'operator' },
        {
          label: input.label,
          kind: 'operator',
          ownerStaffId: null,
          scopes,
          expiresAt: clock.now() + OPERATOR_TOKEN_HOURS * HOUR,
        },
      );
    },

    /**
     * A staff member mints a token that acts for them: each scope must be one their role grants, the
     * lifetime at most `MAX_TOKEN_HOURS`; a fresh step-up.
     */
    async createForStaff(
      owner: Pick<StaffPrincipal, 'staffId' | 'role' | 'actor' | 'session'>,
      input: { label: string; scopes: string[]; hours?: number },
    ) {
      deps.sessions.requireStepUp(owner.session);
      const scopes = checkScopes(input.scopes);
      const refused = scopes.filter((s) => !scopeRoles[s].includes(owner.role));
      if (refused.length > 0) {
        throw new CustosError('FORBIDDEN', `Your role cannot hold a token with ${refused.join(', ')}`);
      }
      const hours = input.hours ?? DEFAULT_TOKEN_HOURS;
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_TOKEN_HOURS) {
        throw validationFailed([{ path: 'hours', problem: `must be from 1 to ${MAX_TOKEN_HOURS}` }]);
      }
      return mint(owner.actor, {
        label: input.label,
        kind: 'staff',
        ownerStaffId: owner.staffId,
        scopes,
        expiresAt: clock.now() + hours * HOUR,
      });
    },

    /**
     * The grant a bearer token stands for on a route that needs `scope`: AUTH_INVALID for an unknown,
     * revoked or expired token (or a staff token whose owner can no longer act), FORBIDDEN without the scope.
     */
    async authenticate(token: string, scope: ApiTokenScope): Promise<ApiTokenGrant> {
      if (!TOKEN_SHAPE.test(token)) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      const stored = await store.activeByHash(tokenHash(token), clock.now());
      if (!stored) throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
      let roleGrants = true;
      if (stored.kind === 'staff') {
        const owner = stored.ownerStaffId ? await deps.staff.activeMember(stored.ownerStaffId) : undefined;
        const account = owner && (await deps.accounts.bySubject('staff', owner.id));
        if (!owner || account?.status !== 'active') {
          throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
        }
        roleGrants = scopeRoles[scope].includes(owner.role);
      }
      if (!stored.scopes.includes(scope) || !roleGrants) {
        throw new CustosError('FORBIDDEN', `This token does not have the ${scope} scope`);
      }
      return {
        actor: { type: 'api-token', id: stored.id },
        tokenId: stored.id,
        kind: stored.kind,
        ownerStaffId: stored.ownerStaffId,
        scopes: stored.scopes,
      };
    },

    /** Tokens in force: all of them for an administrator, one's own for anyone else. */
    async list(by: { staffId: string; role: StaffRole }): Promise<ApiTokenView[]> {
      const all = await store.active(clock.now());
      return all.filter((t) => by.role === 'admin' || t.ownerStaffId === by.staffId).map(view);
    },

    /** Revoke every token a staff member owns (their employment ended), each ledgered first; how many. */
    async revokeOwnedBy(by: Actor, staffId: string): Promise<number> {
      const ids = await store.unrevokedOwnedBy(staffId);
      for (const id of ids) {
        await ledger.record({ type: 'api_token.revoked', actor: actorRef(by), data: { tokenId: id } }, () =>
          store.revoke(id, clock.now()),
        );
      }
      return ids.length;
    },

    /** Revoke a token (ledgered first): an administrator any, anyone else their own. */
    async revoke(by: Pick<StaffPrincipal, 'staffId' | 'role' | 'actor'>, id: string): Promise<void> {
      const found = isUuid(id) ? await store.byId(id) : undefined;
      if (!found || (by.role !== 'admin' && found.ownerStaffId !== by.staffId)) {
        throw new CustosError('NOT_FOUND', 'No such API token');
      }
      if (found.revokedAt !== null) return;
      await ledger.record(
        { type: 'api_token.revoked', actor: actorRef(by.actor), data: { tokenId: id } },
        () => store.revoke(id, clock.now()),
      );
    },
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
