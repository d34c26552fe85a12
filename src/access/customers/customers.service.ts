/**
 * Customer data as staff reach it, short of a reveal: exact search (masked, quota-limited), registering a
 * customer within a case, and through a case the masked view and corrections. The reveal is
 * `reveal/reveal.service.ts`.
 *
 * Invariants: every act is decided first (policy through the case, or the search policy and quota) and
 * ledgered by the vault ahead of its effect; what leaves is masked. A contact (phone, email) is changed
 * only on a case with the customer present, and the contact it replaces is told through the outbox: a
 * clerk cannot quietly point a customer's account at an address they hold.
 */

/** The fields a portal login and every notice are bound to; changing one can take over an account. */
const contactFields = ['phone', 'email'] as const;
const channelOf = { phone: 'sms', email: 'email' } as const;
import type { SearchPatterns } from './search-patterns.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { validationFailed } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { Outbox } from '../../privacy/outbox/outbox.service.ts';
import { fieldSpecs } from '../../vault/customer-fields.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { MaskedCustomer } from '../../vault/vault.types.ts';
import type { AccessGate } from '../access-gate.ts';
import type { CaseView } from '../cases/case-state.ts';
import type { Cases, OpenCaseInput } from '../cases/cases.service.ts';
import type { PresenceCodes } from '../cases/presence-codes.ts';
import { reserveOrRefuse } from '../quotas/quota-refusal.ts';
import type { Quotas } from '../quotas/quotas.ts';

export function createCustomers(deps: {
  /** Enumeration: is a search continuing a run of consecutive numbers? (The watcher scores it.) */
  patterns?: Pick<SearchPatterns, 'observe'>;
  vault: Pick<VaultService, 'search' | 'createCustomer' | 'getMasked' | 'updateCustomer' | 'unsealFields'>;
  cases: Pick<Cases, 'decideNewCustomerCase' | 'insertCase' | 'viewable'>;
  gate: AccessGate;
  quotas: Pick<Quotas, 'reserveSearch'>;
  presence: Pick<PresenceCodes, 'present'>;
  outbox: Pick<Outbox, 'queue'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  clock: Clock;
}) {
  const { vault, cases, gate, quotas, clock } = deps;

  return {
    /**
     * Exact search: masked results, at most ten, counted against the hourly and daily search quotas. Search
     * is the one lookup that answers whether a value is on file, so it is metered. A national ID — the one
     * sensitive identifier — is searched only with the customer present: their presence code is required,
     * and only the customer it belongs to comes back (a wrong code and an unknown ID answer alike, and each
     * counts as a wrong code against the staff member's day).
     */
    async search(
      p: StaffPrincipal,
      by: string,
      value: string,
      presenceCode?: string,
    ): Promise<MaskedCustomer[]> {
      await gate.requireAction(p, 'search');
      const byNationalId = by === 'national_id';
      if (byNationalId && presenceCode === undefined) {
        throw await gate.refuse(
          p,
          'search',
          'CUSTOMER_PRESENCE_REQUIRED',
          {},
          [],
          'A search by national ID needs the customer present: give the presence code they read out',
        );
      }
      if (!byNationalId && presenceCode !== undefined) {
        throw validationFailed([{ path: 'presenceCode', problem: 'only for a search by national_id' }]);
      }
      // The search counts once its `customer.searched` entry is durable; until then it holds a reservation.
      const release = await reserveOrRefuse(gate, p, 'search', {}, () => quotas.reserveSearch(p));
      const patterned = deps.patterns?.observe(p.staffId, by, value, clock.now()) ?? false;
      let results = await vault
        .search(p.actor, by, value, patterned ? { patterned: true } : {})
        .finally(release);
      if (byNationalId) {
        const present = await deps.presence.present(
          p,
          results.map((r) => r.id),
          presenceCode as string,
        );
        results = results.filter((r) => present.includes(r.id));
      }
      gate.allowed(p, 'search', {
        matches: results.length,
        customerIds: results.map((r) => r.id),
        ...(patterned ? { patterned: true } : {}),
      });
      return results;
    },

    /**
     * Register a new customer within a case opened for them by the same staff member. The case is decided
     * first, so a refused case creates no customer (nothing half-written).
     */
    async register(
      p: StaffPrincipal,
      input: unknown,
      caseInput: Omit<OpenCaseInput, 'customerId'>,
    ): Promise<{ customer: MaskedCustomer; case: CaseView }> {
      const customerId = uuidv7(clock.now());
      const decided = await cases.decideNewCustomerCase(p, caseInput, customerId);
      const customer = await vault.createCustomer(p.actor, input, customerId);
      return { customer, case: await cases.insertCase(p, decided) };
    },

    async view(p: StaffPrincipal, caseId: string): Promise<MaskedCustomer> {
      const c = await cases.viewable(p, caseId);
      const view = await vault.getMasked(p.actor, c.customerId, { caseId });
      gate.allowed(p, 'view', { caseId, customerId: c.customerId, breakGlass: c.breakGlass });
      return view;
    },

    /**
     * Correct fields through a case; a fresh second factor is needed, since a changed phone or email can take
     * over an account, and for those two the customer present on the case (their code verified on it) too.
     * Each contact replaced is sent a notice at the old address (outbox), after the change is recorded.
     */
    async correct(
      p: StaffPrincipal,
      caseId: string,
      input: unknown,
      version?: number,
    ): Promise<MaskedCustomer> {
      deps.sessions.requireStepUp(p.session);
      const c = await cases.viewable(p, caseId);
      const customerId = c.customerId;
      const given = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
      const contacts = contactFields.filter((f) => given[f] !== undefined);
      if (contacts.length > 0 && !c.customerPresent) {
        throw await gate.refuse(
          p,
          'correct',
          'CUSTOMER_PRESENCE_REQUIRED',
          { caseId, customerId, fields: [...contacts] },
          [],
          'Changing a phone or email needs the customer present: verify their code on this case first',
        );
      }
      const before = contacts.length > 0 ? await vault.unsealFields(customerId, contacts) : {};
      const view = await vault.updateCustomer(p.actor, customerId, input, version, { caseId });
      for (const field of contacts) {
        const old = before[field];
        const next = typeof given[field] === 'string' ? fieldSpecs[field].normalise(given[field]) : null;
        if (typeof old !== 'string' || old === next) continue;
        await deps.outbox.queue(p.actor, {
          customerId,
          channel: channelOf[field],
          kind: 'contact_changed',
          params: { field },
          recipient: old,
        });
      }
      gate.allowed(p, 'correct', { caseId, customerId, breakGlass: c.breakGlass });
      return view;
    },
  };
}

export type Customers = ReturnType<typeof createCustomers>;
