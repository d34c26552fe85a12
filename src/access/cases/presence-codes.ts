/**
 * Customer-present codes: the customer gets a one-time 8-digit code (portal, SMS or email) and reads it out
 * to the clerk; a case that carries one proves the customer asked for it.
 *
 * Invariants: only a keyed digest of the code is stored (a database reader cannot brute-force 10⁸ codes
 * without the keyring); a code is used once, for its own customer only, within ten minutes; every issue
 * and every check is ledgered.
 */
import { randomInt } from 'node:crypto';
import type { Keyring } from '../../crypto/keyring.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError } from '../../platform/errors.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { CaseStore } from './cases.store.ts';

export const PRESENCE_CODE_TTL_MS = 10 * 60_000;
const DIGITS = 8;
const SHAPE = /^[0-9]{8}$/;

export function createPresenceCodes(deps: {
  store: Pick<CaseStore, 'insertPresenceCode' | 'usePresenceCode'>;
  keyring: Pick<Keyring, 'blindIndex'>;
  vault: Pick<VaultService, 'exists'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  const digest = (customerId: string, code: string) =>
    deps.keyring.blindIndex('presence_code', `${customerId}\0${code}`);

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

    /** Use `code` for a case of its customer: true once, ledgered either way. */
    async check(by: Actor, kase: { id: string; customerId: string }, code: string): Promise<boolean> {
      const ok =
        SHAPE.test(code) &&
        (await store.usePresenceCode(kase.customerId, digest(kase.customerId, code), clock.now()));
      await ledger.append({
        type: 'case.presence_checked',
        actor: actorRef(by),
        subject: kase.customerId,
        data: { caseId: kase.id, verified: ok },
      });
      return ok;
    },
  };
}

export type PresenceCodes = ReturnType<typeof createPresenceCodes>;
