/**
 * A customer's access history, provably complete: every ledger entry about them up to a fresh signed (and
 * witnessed) checkpoint — each staff view, reveal, correction, export and search hit, their own acts, the
 * cases opened for them — with, for each, the date, what was done, the staff member's role, site and region
 * (names only where `CUSTOS_HISTORY_STAFF_NAMES=shown`), the purpose and case, and whether the customer was
 * there (the evidence kind). Each item carries its leaf header and inclusion proof; the answer carries the
 * subject map's proof of the newest entry. Following each header's `prev` from that entry down, a customer's
 * device checks nothing about them was left out (docs/LEDGER.md, "Completeness").
 *
 * Invariants: looking is itself an access, ledgered before the history is read (so it is the newest item);
 * the answer holds no other person's data — staff appear by role, site, region and the opaque id their
 * entries carry (the proofs need the header as it was hashed).
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import { type Actor, actorOfRef, actorRef, customerIdOf } from '../../platform/actor.ts';
import type { LedgerEntry } from '../../ledger/entry-types.ts';

/** Who acted, as the customer sees them. */
export interface HistoryActor {
  kind: 'staff' | 'you' | 'system' | 'integration';
  role?: string;
  site?: string;
  region?: string;
  /** Only where the jurisdiction's setting shows staff names. */
  name?: string;
}

export interface HistoryItemView {
  index: number;
  at: string;
  /** The ledger entry type, e.g. `customer.revealed`. */
  type: string;
  /** What happened, in one word: view, reveal, correction, export, search_hit, self_access, case, other. */
  kind: string;
  actor: HistoryActor;
  purpose: string | null;
  caseId: string | null;
  /** For a reveal: the evidence the customer started it (`none`: staff-initiated). */
  evidence: string | null;
  /** Whether the customer was there: the case was opened with their code, their call or their request. */
  customerPresent: boolean | null;
  fields: string[];
  /** False once retention redacted the payload (the header still proves when, what and who). */
  detailed: boolean;
  proof: {
    /** The canonical header its leaf hashes (base64). */
    header: string | null;
    /**
     * The entry's payload, canonical JSON's input: SHA-256 of its canonical form is the header's `payload`.
     * Null when redacted, or withheld: a staff-initiated reveal the watcher marked `special` (the customer
     * marked VIP or co-worker by security, or sharing the staff member's surname) — that flag is security's
     * and the staff member's, not the customer's to read. The header still proves when, what, who and the link.
     */
    data: unknown;
    inclusionProof: string[];
  };
}

export interface AccessHistory {
  customerId: string;
  items: HistoryItemView[];
  /** What the proofs are against. */
  checkpoint: { note: string; size: number; origin: string; vkey: string };
  /** Where the next (older) page starts: pass it as `from`; null when this page reaches the first entry. */
  next: number | null;
  /** The subject map's proof for this customer (`subject-map/v1` in the checkpoint). */
  mapProof: {
    siblings: string[];
    end: { kind: 'present' | 'empty' | 'other'; value?: number; key?: string };
  };
}

/** Items in one page of the history unless the customer asks for fewer (at most `HISTORY_PAGE_MAX`). */
export const HISTORY_PAGE = 100;
export const HISTORY_PAGE_MAX = 500;

const kinds: Record<string, string> = {
  'customer.viewed': 'view',
  'customer.revealed': 'reveal',
  'customer.updated': 'correction',
  'customer.exported': 'export',
  'customer.search_hit': 'search_hit',
  'customer.history_viewed': 'self_access',
  'customer.self_exported': 'self_access',
  'customer.self_viewed': 'self_access',
  'case.opened': 'case',
  'case.closed': 'case',
  'consent.changed': 'consent',
  'legal_hold.placed': 'legal_hold',
  'legal_hold.lifted': 'legal_hold',
};

/** A payload carrying the watcher's `special` flag: shown without it being provable, rather than with it. */
function withheld(data: unknown): boolean {
  return field<unknown>(field<unknown>(data, 'context'), 'special') !== undefined;
}

function field<T>(data: unknown, name: string): T | undefined {
  return data !== null && typeof data === 'object'
    ? ((data as Record<string, unknown>)[name] as T)
    : undefined;
}

export function createAccessHistory(deps: {
  ledger: Pick<Ledger, 'append' | 'subjectHistory' | 'origin' | 'vkey'>;
  staff: Pick<StaffDirectory, 'member'>;
  showStaffNames: boolean;
}) {
  const { ledger, staff } = deps;

  async function actorOf(ref: string, customerId: string, cache: Map<string, HistoryActor>) {
    const known = cache.get(ref);
    if (known) return known;
    const actor = actorOfRef(ref);
    let seen: HistoryActor;
    if (actor?.type === 'customer' && actor.id === customerId) seen = { kind: 'you' };
    else if (actor?.type === 'staff') {
      const member = await staff.member(actor.id);
      seen = member
        ? {
            kind: 'staff',
            role: member.role,
            site: member.site,
            region: member.region,
            ...(deps.showStaffNames ? { name: member.displayName } : {}),
          }
        : { kind: 'staff' };
    } else if (actor?.type === 'api-token') seen = { kind: 'integration' };
    else seen = { kind: 'system' };
    cache.set(ref, seen);
    return seen;
  }

  return {
    /**
     * The signed-in customer's own history, newest first, with its proofs: one page of at most `limit`
     * items from `from` (default: the newest) down, so a long history (which anyone can lengthen by looking)
     * costs each request the same. Ledgers the look first.
     */
    async forCustomer(actor: Actor, page: { from?: number; limit?: number } = {}): Promise<AccessHistory> {
      const customerId = customerIdOf(actor);
      await ledger.append({ type: 'customer.history_viewed', actor: actorRef(actor), data: { customerId } });
      const history = await ledger.subjectHistory(customerId, {
        ...(page.from === undefined ? {} : { from: page.from }),
        limit: page.limit ?? HISTORY_PAGE,
      });
      // Cases are in the same chain: their purpose and whether the customer was there, by case id.
      const cases = new Map<string, { purpose?: string; present?: boolean }>();
      for (const item of history.items) {
        if (item.entry?.type !== 'case.opened') continue;
        const data = item.entry.data as LedgerEntry<'case.opened'>['data'];
        cases.set(data.caseId, { purpose: data.purpose, present: data.customerPresent });
      }
      const staffCache = new Map<string, HistoryActor>();
      const items: HistoryItemView[] = [];
      for (const item of history.items) {
        const header = item.header
          ? (JSON.parse(Buffer.from(item.header, 'base64').toString('utf8')) as Record<string, unknown>)
          : null;
        const type = item.entry?.type ?? (header?.type as string | undefined) ?? 'unknown';
        const at = item.entry?.at ?? (header?.at as number | undefined) ?? 0;
        const ref = item.entry?.actor ?? (header?.actor as string | undefined) ?? '';
        const data = item.entry?.data ?? null;
        const caseId = field<string>(data, 'caseId') ?? null;
        const ofCase = caseId === null ? undefined : cases.get(caseId);
        const evidence = field<string>(data, 'evidence') ?? null;
        items.push({
          index: item.index,
          at: new Date(at).toISOString(),
          type,
          kind: kinds[type] ?? 'other',
          actor: await actorOf(ref, customerId, staffCache),
          purpose: field<string>(data, 'purpose') ?? ofCase?.purpose ?? null,
          caseId,
          evidence,
          customerPresent: evidence !== null ? evidence !== 'none' : (ofCase?.present ?? null),
          fields: field<string[]>(data, 'fields') ?? [],
          detailed: item.entry !== null,
          proof: {
            header: item.header,
            data: withheld(data) ? null : data,
            inclusionProof: item.inclusionProof.map((h) => h.toString('base64')),
          },
        });
      }
      const { siblings, end } = history.mapProof;
      return {
        customerId,
        items,
        next: history.next,
        checkpoint: {
          note: history.checkpoint,
          size: history.size,
          origin: ledger.origin,
          vkey: ledger.vkey,
        },
        mapProof: {
          siblings: siblings.map((h) => h.toString('base64')),
          end:
            end.kind === 'other'
              ? { kind: 'other', key: end.key.toString('base64'), value: end.value }
              : end.kind === 'present'
                ? { kind: 'present', value: end.value }
                : { kind: 'empty' },
        },
      };
    },
  };
}

export type AccessHistoryService = ReturnType<typeof createAccessHistory>;
