/**
 * Consent per customer and purpose. Marketing, sharing with third parties and sale are off until the
 * customer turns them on (PIPL arts. 14, 23, 29; GDPR art. 7; CCPA "do not sell or share"). A purpose
 * without consent is refused wherever data would leave for it (exports).
 *
 * Invariants: every change is ledgered. Staff record a customer's choice only through a case
 * (`access/cases/case-consents.service.ts`): a refusal or withdrawal through any case they may view, a
 * grant only with a verified customer-present proof — otherwise a harvester could "consent" customers into
 * a sale export.
 */
import type { Session, Sessions } from '../identity/sessions/sessions.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf } from '../platform/actor.ts';
import type { Clock } from '../platform/clock.ts';
import { validationFailed } from '../platform/errors.ts';
import type { ConsentStore } from './consents.store.ts';

export const consentPurposes = ['marketing', 'third_party_sharing', 'sale'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];

export interface ConsentState {
  purpose: ConsentPurpose;
  granted: boolean;
  source: string | null;
  updatedAt: string | null;
}

export function createConsents(deps: {
  store: ConsentStore;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
  /** A portal grant needs a fresh second factor. */
  sessions: Pick<Sessions, 'requireStepUp'>;
}) {
  const { store, ledger, clock } = deps;

  /** Record a customer's choice for a purpose (ledgered first), as `by` through `source`. */
  async function set(
    by: Actor,
    customerId: string,
    purpose: ConsentPurpose,
    granted: boolean,
    source: string,
  ): Promise<void> {
    await ledger.record(
      {
        type: 'consent.changed',
        actor: actorRef(by),
        subject: customerId,
        data: { customerId, purpose, granted, source },
      },
      () =>
        store.set({
          customerId,
          purpose,
          granted,
          source,
          updatedBy: actorRef(by),
          updatedAt: clock.now(),
        }),
    );
  }

  async function forCustomer(customerId: string): Promise<ConsentState[]> {
    const stored = new Map((await store.forCustomer(customerId)).map((c) => [c.purpose, c]));
    return consentPurposes.map((purpose) => {
      const consent = stored.get(purpose);
      return {
        purpose,
        granted: consent?.granted ?? false,
        source: consent?.source ?? null,
        updatedAt: consent ? new Date(consent.updatedAt).toISOString() : null,
      };
    });
  }

  return {
    set,
    forCustomer,

    /** The signed-in customer's own consents. */
    own: (actor: Actor): Promise<ConsentState[]> => forCustomer(customerIdOf(actor)),

    /**
     * The signed-in customer grants or withdraws one purpose themselves (portal): in force at once for every
     * export run after it. A grant needs a fresh second factor (a session left open on a shared computer must
     * not consent anyone into a sale); a withdrawal never does, so that saying no stays one step.
     */
    async setOwn(session: Session, purpose: string, granted: boolean): Promise<ConsentState[]> {
      const customerId = customerIdOf(session.actor);
      if (!(consentPurposes as readonly string[]).includes(purpose)) {
        throw validationFailed([
          { path: 'purpose', problem: `must be one of ${consentPurposes.join(', ')}` },
        ]);
      }
      if (granted) deps.sessions.requireStepUp(session);
      await set(session.actor, customerId, purpose as ConsentPurpose, granted, 'portal');
      return forCustomer(customerId);
    },

    /**
     * Withdraw every consent in one call (portal): each purpose recorded as refused — an explicit refusal, so
     * "do not sell or share" holds for every export, whatever its purpose (`admissible`).
     */
    async withdrawAll(actor: Actor): Promise<ConsentState[]> {
      const customerId = customerIdOf(actor);
      for (const purpose of consentPurposes) await set(actor, customerId, purpose, false, 'portal');
      return forCustomer(customerId);
    },

    /** Whether `purpose` is one customers consent to (the others need no consent). */
    isConsentPurpose: (purpose: string): purpose is ConsentPurpose =>
      (consentPurposes as readonly string[]).includes(purpose),

    /**
     * Which of `customerIds` may be included for an outbound purpose: those who granted it when it needs
     * consent, and never one who refused sharing or sale (except a legal obligation, which needs none).
     */
    async admissible(customerIds: readonly string[], purpose: string): Promise<Set<string>> {
      if (purpose === 'legal_obligation') return new Set(customerIds);
      const stored = await store.among(customerIds, consentPurposes);
      const refused = new Set(
        stored
          .filter((c) => (c.purpose === 'third_party_sharing' || c.purpose === 'sale') && !c.granted)
          .map((c) => c.customerId),
      );
      const needs = (consentPurposes as readonly string[]).includes(purpose) ? purpose : null;
      const granted = new Set(
        stored.filter((c) => c.purpose === needs && c.granted).map((c) => c.customerId),
      );
      return new Set(customerIds.filter((id) => !refused.has(id) && (needs === null || granted.has(id))));
    },

    grantedTo: (purpose: ConsentPurpose, limit: number) => store.grantedTo(purpose, limit),
  };
}

export type Consents = ReturnType<typeof createConsents>;
