/**
 * Customers an insider is curious about: VIPs and co-workers (staff who are also customers). Security marks
 * them; a reveal of one that the customer did not start is scored as `special_customers` and alerted at once.
 * The third kind of special customer, someone with the staff member's own surname, needs no mark (access
 * compares the masked surname with the staff member's).
 *
 * Who is marked is known only through the keyring: each is stored as a keyed mark (an HMAC of the id under
 * the `watch_mark` key), so the list of VIPs — itself worth selling — is not in the database in the clear, and
 * the ledger entry for a mark names the mark, not the customer.
 */
import type { Keyring } from '../../crypto/keyring.ts';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { actorRef } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { CustosError, validationFailed } from '../../platform/errors.ts';
import type { MarkStore } from './marks.store.ts';
import { type MarkKind, markKinds } from './marks.types.ts';

export function createMarks(deps: {
  store: MarkStore;
  keyring: Pick<Keyring, 'blindIndex'>;
  ledger: Pick<Ledger, 'append'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  /** Access's decision on a security act (marks are set by security). */
  authorize: (p: StaffPrincipal, action: 'alert_triage') => Promise<void>;
  /** Does this customer exist? (A mark for nobody is a typo.) */
  customerExists: (customerId: string) => Promise<boolean>;
  clock: Clock;
}) {
  const { store, keyring, ledger, clock } = deps;
  const markOf = (customerId: string) => keyring.blindIndex('watch_mark', customerId);
  const kinds = new Map<string, MarkKind>();

  async function checked(p: StaffPrincipal, customerIdIn: unknown): Promise<string> {
    deps.sessions.requireStepUp(p.session);
    await deps.authorize(p, 'alert_triage');
    if (typeof customerIdIn !== 'string' || !(await deps.customerExists(customerIdIn)))
      throw new CustosError('CUSTOMER_NOT_FOUND', 'No such customer');
    return customerIdIn;
  }

  return {
    /** Load the marks (at start; they change only through this service). */
    async load(): Promise<void> {
      kinds.clear();
      for (const mark of await store.all()) kinds.set(mark.mark.toString('hex'), mark.kind);
    },

    /** What kind of special customer this is, if any (a lookup on the reveal path: no I/O). */
    kindOf(customerId: string): MarkKind | undefined {
      return kinds.size === 0 ? undefined : kinds.get(markOf(customerId).toString('hex'));
    },

    async mark(p: StaffPrincipal, customerIdIn: unknown, kindIn: unknown): Promise<void> {
      if (typeof kindIn !== 'string' || !(markKinds as readonly string[]).includes(kindIn))
        throw validationFailed([{ path: 'kind', problem: `one of ${markKinds.join(', ')}` }]);
      const kind = kindIn as MarkKind;
      const mark = markOf(await checked(p, customerIdIn));
      await ledger.append({
        type: 'watch.marked',
        actor: actorRef(p.actor),
        data: { mark: mark.toString('hex'), kind },
      });
      await store.put({ mark, kind, createdAt: clock.now() });
      kinds.set(mark.toString('hex'), kind);
    },

    async unmark(p: StaffPrincipal, customerIdIn: unknown): Promise<void> {
      const mark = markOf(await checked(p, customerIdIn));
      if (!kinds.has(mark.toString('hex'))) throw new CustosError('NOT_FOUND', 'This customer is not marked');
      await ledger.append({
        type: 'watch.unmarked',
        actor: actorRef(p.actor),
        data: { mark: mark.toString('hex') },
      });
      await store.remove(mark);
      kinds.delete(mark.toString('hex'));
    },
  };
}

export type Marks = ReturnType<typeof createMarks>;
