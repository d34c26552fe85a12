/**
 * Customer data as staff reach it, short of a reveal: exact search (masked, quota-limited), registering a
 * customer within a case, and through a case the masked view and corrections. The reveal is
 * `reveal/reveal.service.ts`.
 *
 * Invariants: every act is decided first (policy through the case, or the search policy and quota) and
 * ledgered by the vault ahead of its effect; what leaves is masked.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { MaskedCustomer } from '../../vault/vault.types.ts';
import type { AccessGate } from '../access-gate.ts';
import type { CaseView } from '../cases/case-state.ts';
import type { Cases, OpenCaseInput } from '../cases/cases.service.ts';
import { reserveOrRefuse } from '../quotas/quota-refusal.ts';
import type { Quotas } from '../quotas/quotas.ts';

export function createCustomers(deps: {
  vault: Pick<VaultService, 'search' | 'createCustomer' | 'getMasked' | 'updateCustomer'>;
  cases: Pick<Cases, 'decideNewCustomerCase' | 'insertCase' | 'viewable'>;
  gate: AccessGate;
  quotas: Pick<Quotas, 'reserveSearch'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  clock: Clock;
}) {
  const { vault, cases, gate, quotas, clock } = deps;

  return {
    /** Exact search: masked results, at most ten, counted against the hourly search quota. */
    async search(p: StaffPrincipal, by: string, value: string): Promise<MaskedCustomer[]> {
      await gate.requireAction(p, 'search');
      // The search counts once its `customer.searched` entry is durable; until then it holds a reservation.
      const release = await reserveOrRefuse(gate, p, 'search', {}, () => quotas.reserveSearch(p));
      const results = await vault.search(p.actor, by, value).finally(release);
      gate.allowed(p, 'search', {});
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

    /** Correct fields through a case; a fresh second factor is needed, since a changed phone or email can take over an account. */
    async correct(
      p: StaffPrincipal,
      caseId: string,
      input: unknown,
      version?: number,
    ): Promise<MaskedCustomer> {
      deps.sessions.requireStepUp(p.session);
      const c = await cases.viewable(p, caseId);
      const view = await vault.updateCustomer(p.actor, c.customerId, input, version, { caseId });
      gate.allowed(p, 'correct', { caseId, customerId: c.customerId, breakGlass: c.breakGlass });
      return view;
    },
  };
}

export type Customers = ReturnType<typeof createCustomers>;
