/**
 * Builds the policy part of the access module: the engine every access decision goes through, and the
 * service that keeps it on the live, four-eyes-approved policy set (installing the default on first start).
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import type { Clock } from '../../platform/clock.ts';
import type { DatabaseHandle } from '../../platform/database/database.ts';
import { defaultPolicies } from './default-policies.ts';
import { createPolicyEngine } from './policy-engine.ts';
import { createPolicyService } from './policy.service.ts';
import { createPolicyStore } from './policy.store.ts';

export async function wirePolicies({
  database,
  ledger,
  clock,
}: {
  database: DatabaseHandle;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
}) {
  const engine = createPolicyEngine({ policies: defaultPolicies });
  const policies = createPolicyService({ store: createPolicyStore(database.db), engine, ledger, clock });
  await policies.load();
  return { policyEngine: engine, policies };
}
