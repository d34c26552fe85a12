/**
 * Customer-present codes: the customer gets a one-time 8-digit code (portal, SMS or email) and reads it out
 * to the clerk; a case that carries one proves the customer asked for it.
 *
 * Invariants: only a keyed digest of the code is stored (a database reader cannot brute-force 10⁸ codes
 * without the keyring); a code is used once, for its own customer only, within ten minutes; every issue
 * and every check is ledgered. Wrong codes are limited per staff member across every case and every
 * search (`MAX_PRESENCE_FAILURES_PER_STAFF` a day), on top of the five a case allows: a clerk cannot
 * spread guesses over many cases, or over case openings that never become a case. A failure is its own
 * ledger entry (`presence_code.failed`), so the count is read from the ledger's index and a guess
 * counts exactly when its entry is durable; count-check-record is one step per staff member.
 */
import { randomInt } from 'node:crypto';
import type { Keyring } from '../../crypto/keyring.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { AccessGate } from '../access-gate.ts';
import type { CaseStore } from './cases.store.ts';

export const PRESENCE_CODE_TTL_MS = 10 * 60_000;
/** Wrong presence codes a staff member may give in a day, over all cases and searches together. */
export const MAX_PRESENCE_FAILURES_PER_STAFF = 10;
export const PRESENCE_FAILURE_WINDOW_MS = 24 * 3600_000;
const DIGITS = 8;
const SHAPE = /^[0-9]{8}$/;

/** Where a code was given: opening a case, on an open case, or with a search by national ID. */
export type PresenceUse =
  | { via: 'case_open'; caseId: string; customerId: string }
  | { via: 'case'; caseId: string; customerId: string }
  | { via: 'search'; customerIds: readonly string[] };

export function createPresenceCodes(deps: {
  store: Pick<CaseStore, 'insertPresenceCode' | 'usePresenceCode' | 'livePresenceCode'>;
  keyring: Pick<Keyring, 'blindIndex'>;
  vault: Pick<VaultService, 'exists'>;
  gate: Pick<AccessGate, 'refuse'>;
  ledger: Pick<Ledger, 'append' | 'record' | 'countSince'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  const digest = (customerId: string, code: string) =>
    deps.keyring.blindIndex('presence_code', `${customerId}\0${code}`);
  const oneAtATime = createKeyedQueue();

  /**
   * Runs `attempt` unless `p` has used up their wrong codes for the day (RATE_LIMITED, ledgered as a
   * refusal); a false answer is ledgered as `presence_code.failed` before it is returned.
   */
  function limited(p: StaffPrincipal, use: PresenceUse, attempt: () => Promise<boolean>) {
    return oneAtATime(p.staffId, async () => {
      const since = clock.now() - PRESENCE_FAILURE_WINDOW_MS;
      const failures = await ledger.countSince(actorRef(p.actor), 'presence_code.failed', since);
      if (failures >= MAX_PRESENCE_FAILURES_PER_STAFF) {
        const subject = 'caseId' in use ? { caseId: use.caseId, customerId: use.customerId } : {};
        const refusal = await deps.gate.refuse(
          p,
          'presence_check',
          'RATE_LIMITED',
          subject,
          [],
          'Too many wrong customer codes today: ask the customer to come back, or ask security',
        );
        // At most one window: by then every failure it counted has left it.
        throw new CustosError(refusal.code, refusal.message, {
          retryAfterSeconds: PRESENCE_FAILURE_WINDOW_MS / 1000,
        });
      }
      const ok = await attempt();
      if (!ok) {
        await ledger.append({
          type: 'presence_code.failed',
          actor: actorRef(p.actor),
          ...('customerId' in use ? { subject: use.customerId } : {}),
          data: { via: use.via, ...('caseId' in use ? { caseId: use.caseId } : {}) },
        });
      }
      return ok;
    });
  }

  return {
    /** A new code for a customer, shown to them once. */
    async issue(by: Actor, customerId: string): Promise<{ code: string; expiresAt: string }> {
      if (!(await deps.vault.exists(customerId)))
        throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
      const code = String(randomInt(0, 10 ** DIGITS)).padStart(DIGITS, '0');
      const now = clock.now();
      await ledger.record(
        { type: 'presence_code.issued', actor: actorRef(by), subject: customerId, data: { customerId } },
        () =>
          store.insertPresenceCode({
            customerId,
            codeHash: digest(customerId, code),
            expiresAt: now + PRESENCE_CODE_TTL_MS,
            createdAt: now,
          }),
      );
      return { code, expiresAt: new Date(now + PRESENCE_CODE_TTL_MS).toISOString() };
    },

    /**
     * Use `code` for a case of its customer: true once. A success is ledgered as `case.presence_checked`,
     * a failure as `presence_code.failed` and counted against `p`'s day.
     */
    async check(
      p: StaffPrincipal,
      kase: { id: string; customerId: string },
      code: string,
      via: 'case_open' | 'case' = 'case',
    ): Promise<boolean> {
      return limited(p, { via, caseId: kase.id, customerId: kase.customerId }, async () => {
        const ok =
          SHAPE.test(code) &&
          (await store.usePresenceCode(kase.customerId, digest(kase.customerId, code), clock.now()));
        if (ok) {
          await ledger.append({
            type: 'case.presence_checked',
            actor: actorRef(p.actor),
            subject: kase.customerId,
            data: { caseId: kase.id, verified: true },
          });
        }
        return ok;
      });
    },

    /**
     * Which of `customerIds` the live code `code` belongs to, without using it up (the customer reads the
     * same code out again to open their case). For a search by national ID: the search answers only the
     * customer who is present. Finding none counts as one wrong code against `p`'s day, whether or not
     * any customer matched the search, so the count tells nothing about the search.
     */
    async present(p: StaffPrincipal, customerIds: readonly string[], code: string): Promise<string[]> {
      let found: string[] = [];
      await limited(p, { via: 'search', customerIds }, async () => {
        if (!SHAPE.test(code)) return false;
        const now = clock.now();
        for (const customerId of customerIds) {
          if (await store.livePresenceCode(customerId, digest(customerId, code), now)) found.push(customerId);
        }
        found = found.slice(0, 1);
        return found.length > 0;
      });
      return found;
    },
  };
}

export type PresenceCodes = ReturnType<typeof createPresenceCodes>;
