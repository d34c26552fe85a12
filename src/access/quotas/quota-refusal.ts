/**
 * A quota reservation, or — when the quota is spent — the refusal ledgered and published like every other
 * refusal, so the watcher sees a staff member running into their limits.
 */
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { CustosError } from '../../platform/errors.ts';
import type { AccessGate, GateSubject } from '../access-gate.ts';

/** Runs `reserve`; a QUOTA_EXCEEDED from it becomes a ledgered refusal. Returns the reservation's release. */
export async function reserveOrRefuse(
  gate: Pick<AccessGate, 'refuse'>,
  p: StaffPrincipal,
  action: string,
  subject: GateSubject,
  reserve: () => Promise<() => void>,
): Promise<() => void> {
  try {
    return await reserve();
  } catch (error) {
    if (error instanceof CustosError && error.code === 'QUOTA_EXCEEDED') {
      const refusal = await gate.refuse(p, action, 'QUOTA_EXCEEDED', subject, [], error.message);
      // The refusal keeps the quota's Retry-After.
      throw new CustosError(refusal.code, refusal.message, { retryAfterSeconds: error.retryAfterSeconds });
    }
    throw error;
  }
}
