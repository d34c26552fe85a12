/**
 * The evidence of an access through a case, looked up in order of strength and no further than needed: the
 * presence code on the case, a call the acting staff member took, the portal request the case was opened
 * from, an appointment at the opener's site (`evidenceOf` in case-state.ts ranks them).
 */
import type { EvidenceKind } from '../../watch/risk/risk.types.ts';
import type { Appointments } from './appointments.service.ts';
import { type CaseContext, evidenceOf } from './case-state.ts';
import type { InboundCalls } from './inbound-calls.service.ts';
import type { PortalRequests } from './portal-requests.service.ts';

export function createCaseEvidence(deps: {
  inboundCalls: Pick<InboundCalls, 'explains'>;
  portalRequests: Pick<PortalRequests, 'explains'>;
  appointments: Pick<Appointments, 'explains'>;
}) {
  return {
    /** The strongest evidence that the customer started `staffId`'s access through this case. */
    async of(c: Pick<CaseContext, 'customerPresent' | 'record'>, staffId: string): Promise<EvidenceKind> {
      if (c.customerPresent) return evidenceOf(c, {});
      if (await deps.inboundCalls.explains(c.record, staffId)) return evidenceOf(c, { inboundCall: true });
      if (await deps.portalRequests.explains(c.record)) return evidenceOf(c, { portalRequest: true });
      return evidenceOf(c, { appointment: await deps.appointments.explains(c.record) });
    },
  };
}

export type CaseEvidence = ReturnType<typeof createCaseEvidence>;
