/**
 * Memoised access decisions for one policy-set version, keyed by a query's compact key.
 *
 * Invariant: holds at most `limit` entries (oldest out first), and is emptied whenever the policy set it
 * was filled under is replaced — an entry never outlives the policies that produced it.
 */
import type { AccessDecision } from './access-query.ts';

export function createDecisionCache(limit: number) {
  const entries = new Map<string, AccessDecision>();
  let hits = 0;
  let misses = 0;
  return {
    get(key: string): AccessDecision | undefined {
      const found = entries.get(key);
      if (found) hits++;
      else misses++;
      return found;
    },
    set(key: string, decision: AccessDecision): void {
      if (entries.size >= limit) entries.delete(entries.keys().next().value as string);
      entries.set(key, decision);
    },
    clear(): void {
      entries.clear();
    },
    stats: () => ({ size: entries.size, hits, misses }),
  };
}

export type DecisionCache = ReturnType<typeof createDecisionCache>;
