/**
 * Builds the policy part of the access module: the engine every access decision goes through, and the
 * service that keeps it on the live, four-eyes-approved policy set (installing the default on first start).
 */
import type { Sessions } from '../../identity/sessions/sessions.ts';
import type { Announcements } from '../../identity/staff/announcements.ts';
import type { Independence } from '../../identity/staff/independence.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { Platform } from '../../platform/platform.ts';
import { defaultPolicies } from './default-policies.ts';
import { createPolicyEngine } from './policy-engine.ts';
import { createPolicyService } from './policy.service.ts';
import { createPolicyStore } from './policy.store.ts';

export async function wirePolicies(deps: {
  platform: Platform;
  sessions: Pick<Sessions, 'requireStepUp'>;
  ledger: Pick<Ledger, 'append'>;
  independence: Independence;
  announcements: Pick<Announcements, 'announce'>;
}) {
  const { database, clock } = deps.platform;
  const { sessions, ledger, independence, announcements } = deps;
  const engine = createPolicyEngine({ policies: defaultPolicies });
  const policies = createPolicyService({
    store: createPolicyStore(database.db),
    engine,
    sessions,
    ledger,
    clock,
    independence,
    announcements,
  });
  await policies.load();
  // A set approved on another node is in force by the next request that looks anything up (the staff
  // principal always does): the lookup's refresh waits for this.
  deps.platform.changes.watch(['policy_versions'], async () => {
    await policies.refresh();
  });
  return { policyEngine: engine, policies };
}

export type PolicyModule = Awaited<ReturnType<typeof wirePolicies>>;
