/**
 * What the watcher needs to know about a staff-initiated reveal (evidence `none`) beyond its evidence, as
 * flags: was it a follow-up of a contact the customer started, is the customer outside the member's region,
 * is it outside their shift, and is the customer a VIP, a co-worker or someone with the member's surname.
 * The flags go into the reveal's ledger entry (so the watcher rebuilds the same score after a restart) and on
 * the bus; no personal data does — the region and surname are compared here, from the masked view staff are
 * shown anyway, and only the outcome leaves.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import type { StaffDirectory } from '../../identity/staff/staff-directory.ts';
import type { Clock } from '../../platform/clock.ts';
import type { MaskedCustomer } from '../../vault/vault.types.ts';
import type { RevealContext, SpecialCustomer } from '../../watch/risk/risk.types.ts';

const DAY = 86_400_000;
/** A staff-initiated reveal within this long of a contact the customer started is a follow-up. */
export const FOLLOW_UP_WINDOW_MS = 30 * DAY;

export interface RevealContextSettings {
  /** Staff region → the provinces it serves, as the masked address shows them. */
  regionProvinces: Record<string, string[]>;
  /** Shift → local hours [from, to). */
  shifts: Record<string, { from: number; to: number }>;
  /** Local time's offset from UTC (China: +8 h). */
  utcOffsetMs: number;
}

/** The surname as the masked name keeps it: the first character of a name in Chinese script, else none. */
export function chineseSurname(name: string | undefined): string | undefined {
  const first = name === undefined ? undefined : [...name.trim()][0];
  return first !== undefined && /\p{Script=Han}/u.test(first) ? first : undefined;
}

/** The province the masked address keeps (`广东省 ***` → `广东省`), if any. */
export function provinceOf(maskedAddress: string | undefined): string | undefined {
  const province = maskedAddress?.split(' ')[0];
  return province && province !== '***' ? province : undefined;
}

/** Is `at` outside the shift (local hours [from, to), wrapping past midnight when to < from)? */
export function isOffShift(shift: { from: number; to: number } | undefined, at: number, utcOffsetMs: number) {
  if (shift === undefined) return false;
  const hour = new Date(at + utcOffsetMs).getUTCHours();
  const on =
    shift.from < shift.to ? hour >= shift.from && hour < shift.to : hour >= shift.from || hour < shift.to;
  return !on;
}

export function createRevealContexts(deps: {
  /** Did the customer start a contact with this member (a case they proved presence on, a call they made) since `since`, other than through `caseId`? */
  contactedSince: (customerId: string, staffId: string, since: number, caseId: string) => Promise<boolean>;
  /** A VIP or co-worker mark (watch marks). */
  markOf: (customerId: string) => 'vip' | 'coworker' | undefined;
  staff: Pick<StaffDirectory, 'member'>;
  settings: RevealContextSettings;
  clock: Clock;
}) {
  const { settings } = deps;
  return {
    async contextOf(
      p: StaffPrincipal,
      caseId: string,
      customerId: string,
      masked: Pick<MaskedCustomer, 'fields'>,
    ): Promise<RevealContext> {
      const now = deps.clock.now();
      const [member, followUp] = await Promise.all([
        deps.staff.member(p.staffId),
        deps.contactedSince(customerId, p.staffId, now - FOLLOW_UP_WINDOW_MS, caseId),
      ]);
      const province = provinceOf(masked.fields.address);
      const served = settings.regionProvinces[p.region];
      const surname = chineseSurname(masked.fields.name);
      const special: SpecialCustomer | undefined =
        deps.markOf(customerId) ??
        (surname !== undefined && surname === chineseSurname(member?.displayName)
          ? 'same_surname'
          : undefined);
      return {
        ...(followUp ? { followUp: true } : {}),
        ...(province !== undefined && served !== undefined && !served.includes(province)
          ? { outOfRegion: true }
          : {}),
        ...(isOffShift(settings.shifts[member?.shift ?? ''], now, settings.utcOffsetMs)
          ? { offShift: true }
          : {}),
        ...(special === undefined ? {} : { special }),
      };
    },
  };
}

export type RevealContexts = ReturnType<typeof createRevealContexts>;
