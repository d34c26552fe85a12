/**
 * Builds the compliance module: records of processing, access statistics, breach incidents. What it reads
 * of other modules comes in as data or functions (the stored fields from the vault, who may reach each
 * from the policy, the access decision), since compliance depends only on platform, ledger, privacy and
 * identity.
 */
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import { retentionFloorMs } from '../ledger/retention-floor.ts';
import type { Platform } from '../platform/platform.ts';
import { createCompliance } from './compliance.service.ts';
import { createIncidentStore } from './incidents.store.ts';
import type { FieldReach, StoredField } from './records-of-processing.ts';

export async function wireCompliance(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'record' | 'replay'>;
  staff: Pick<StaffDirectory, 'member'>;
  authorize: (p: StaffPrincipal, action: 'compliance_read' | 'incident_open') => Promise<void>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  fields: readonly StoredField[];
  reach: (field: StoredField) => FieldReach;
}) {
  const { config, database, clock } = deps.platform;
  return {
    compliance: createCompliance({
      ledger: deps.ledger,
      staff: deps.staff,
      authorize: deps.authorize,
      incidents: createIncidentStore(database.db),
      sessions: deps.sessions,
      fields: deps.fields,
      reach: deps.reach,
      jurisdiction: config.jurisdiction,
      retentionFloorMs: retentionFloorMs(config.jurisdiction, config.retentionFloorDays),
      controller: config.publicOrigin,
      clock,
    }),
  };
}

export type ComplianceModule = Awaited<ReturnType<typeof wireCompliance>>;
