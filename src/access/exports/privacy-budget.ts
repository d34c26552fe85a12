/**
 * The differential-privacy budget of marketing aggregates: each run spends ε (`aggregateEpsilon`); one
 * requester may spend at most `aggregateBudget` in any window of `aggregateBudgetDays` days, then every
 * aggregate they ask for or run is refused (`PRIVACY_BUDGET_EXHAUSTED`) until old releases leave the window.
 *
 * Invariant: a release is charged before its counts are computed, and one requester's check and charge are
 * one step on a node (a keyed queue), so parallel runs cannot all pass the same remaining budget.
 */
import { CustosError } from '../../platform/errors.ts';
import type { Clock } from '../../platform/clock.ts';
import { createKeyedQueue } from '../../platform/keyed-queue.ts';
import type { PrivateAggregate } from './differential-privacy.ts';
import type { PrivacyBudgetStore } from './privacy-budget.store.ts';

const MICRO = 1_000_000;

export function createPrivacyBudget(deps: {
  store: PrivacyBudgetStore;
  clock: Clock;
  /** ε one aggregate spends. */
  epsilon: number;
  /** ε one requester may spend in a window. */
  budget: number;
  windowMs: number;
}) {
  const { store, clock } = deps;
  const perQuery = Math.round(deps.epsilon * MICRO);
  const perWindow = Math.round(deps.budget * MICRO);
  const oneAtATime = createKeyedQueue();

  const spent = (staffId: string) => store.spentSince(staffId, clock.now() - deps.windowMs);
  const exhausted = () =>
    new CustosError(
      'PRIVACY_BUDGET_EXHAUSTED',
      `Your aggregate privacy budget (ε ${deps.budget} per ${deps.windowMs / 86_400_000} days) is spent`,
    );

  /** ε this requester has left in the current window. */
  const remaining = async (staffId: string): Promise<number> =>
    Math.max(0, perWindow - (await spent(staffId))) / MICRO;

  return {
    epsilon: deps.epsilon,
    remaining,

    /** Throws unless one more aggregate fits the requester's budget (a courtesy check at request time). */
    async requireRoom(staffId: string): Promise<void> {
      if ((await spent(staffId)) + perQuery > perWindow) throw exhausted();
    },

    /**
     * Charge one aggregate to its requester, then compute it with `release` and remember the groups it
     * let out; refused when it does not fit. Returns the release and the ε left after it.
     */
    async spend(
      staffId: string,
      exportId: string,
      dimensions: string[],
      release: () => Promise<PrivateAggregate>,
    ): Promise<{ result: PrivateAggregate; remaining: number }> {
      await oneAtATime(staffId, async () => {
        if ((await spent(staffId)) + perQuery > perWindow) throw exhausted();
        await store.charge({
          exportId,
          requestedBy: staffId,
          epsilonMicro: perQuery,
          releasedAt: clock.now(),
          dimensions,
        });
      });
      const result = await release();
      await store.remember(exportId, result.groups);
      return { result, remaining: await remaining(staffId) };
    },
  };
}

export type PrivacyBudget = ReturnType<typeof createPrivacyBudget>;
