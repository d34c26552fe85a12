/**
 * Runs Kysely's `Migrator` over the migrations below, in name order, on either dialect.
 * New migrations are appended to the list with a timestamp name; landed ones are never edited.
 */
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import { CustosError } from '../errors.ts';
import type { DatabaseHandle } from './database.ts';
import { foundation } from './migrations/2026-11-23T1200_foundation.ts';
import { ledger } from './migrations/2026-11-23T1300_ledger.ts';
import { identity } from './migrations/2026-11-23T1400_identity.ts';
import { authChallenges } from './migrations/2026-12-01T0900_auth_challenges.ts';
import { ssoIdentities } from './migrations/2026-12-01T0910_sso_identities.ts';
import { access } from './migrations/2026-12-01T1000_access.ts';
import { policies } from './migrations/2026-12-01T0930_policies.ts';
import { revealApprovals } from './migrations/2026-12-01T1100_reveal_approvals.ts';
import { reviewAlerts } from './migrations/2026-12-01T1110_review_alerts.ts';
import { outbox } from './migrations/2026-12-08T0900_outbox.ts';
import { totpPending } from './migrations/2026-12-09T0900_totp_pending.ts';
import { portalLogins } from './migrations/2026-12-09T0910_portal_logins.ts';
import { throttleBursts } from './migrations/2026-12-09T0920_throttle_bursts.ts';
import { ledgerHeaderLeaf } from './migrations/2026-12-09T1000_ledger_header_leaf.ts';
import { separationOfDuties } from './migrations/2026-12-09T1200_separation_of_duties.ts';
import { oversight } from './migrations/2026-12-09T1300_oversight.ts';
import { honey } from './migrations/2026-12-09T1400_honey.ts';
import { inboundCalls } from './migrations/2026-12-09T1410_inbound_calls.ts';
import { riskSuspensions } from './migrations/2026-12-09T1420_risk_suspensions.ts';
import { alertTriage } from './migrations/2026-12-10T0910_alert_triage.ts';
import { hrSignals } from './migrations/2026-12-10T0920_hr_signals.ts';
import { portalEvidence } from './migrations/2026-12-10T0930_portal_evidence.ts';
import { watchState } from './migrations/2026-12-10T0940_watch_state.ts';
import { subjectChain } from './migrations/2026-12-11T0900_subject_chain.ts';
import { erasure } from './migrations/2026-12-11T0910_erasure.ts';
import { privacyRequests } from './migrations/2026-12-11T0920_privacy_requests.ts';
import { notices } from './migrations/2026-12-11T0930_notices.ts';
import { staffTraining } from './migrations/2026-12-11T0940_staff_training.ts';
import { changeVersions } from './migrations/2026-12-11T0957_change_versions.ts';
import { migrationContext } from './migrations/context.ts';

function provider(handle: DatabaseHandle): MigrationProvider {
  const context = migrationContext(handle.dialect);
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '2026-11-23T1200_foundation': foundation(context),
        '2026-11-23T1300_ledger': ledger(context),
        '2026-11-23T1400_identity': identity(context),
        '2026-12-01T0900_auth_challenges': authChallenges(context),
        '2026-12-01T0910_sso_identities': ssoIdentities(context),
        '2026-12-01T1000_access': access(context),
        '2026-12-01T0930_policies': policies(context),
        '2026-12-01T1100_reveal_approvals': revealApprovals(context),
        '2026-12-01T1110_review_alerts': reviewAlerts(context),
        '2026-12-08T0900_outbox': outbox(context),
        '2026-12-09T0900_totp_pending': totpPending(context),
        '2026-12-09T0910_portal_logins': portalLogins(context),
        '2026-12-09T0920_throttle_bursts': throttleBursts(context),
        '2026-12-09T1000_ledger_header_leaf': ledgerHeaderLeaf(context),
        '2026-12-09T1200_separation_of_duties': separationOfDuties(context),
        '2026-12-09T1300_oversight': oversight(context),
        '2026-12-09T1400_honey': honey(context),
        '2026-12-09T1410_inbound_calls': inboundCalls(context),
        '2026-12-09T1420_risk_suspensions': riskSuspensions(context),
        '2026-12-10T0910_alert_triage': alertTriage(context),
        '2026-12-10T0920_hr_signals': hrSignals(context),
        '2026-12-10T0930_portal_evidence': portalEvidence(context),
        '2026-12-10T0940_watch_state': watchState(context),
        '2026-12-11T0900_subject_chain': subjectChain(context),
        '2026-12-11T0910_erasure': erasure(context),
        '2026-12-11T0920_privacy_requests': privacyRequests(context),
        '2026-12-11T0930_notices': notices(context),
        '2026-12-11T0940_staff_training': staffTraining(context),
        '2026-12-11T0957_change_versions': changeVersions(context),
      };
    },
  };
}

/** Bring the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  await handle.ping();
  const migrator = new Migrator({
    db: handle.db,
    provider: provider(handle),
    // Kysely looks for its bookkeeping tables in every schema; name ours so that two installations in one
    // database (or two test suites) never mistake each other's for their own.
    ...(handle.schema ? { migrationTableSchema: handle.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new CustosError('DATABASE_UNAVAILABLE', `Migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
