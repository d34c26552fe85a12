/**
 * Enumeration through search: a clerk walking consecutive phone or account numbers (138 0000 0001, …0002, …)
 * to confirm which are customers. A search is *patterned* when its number falls in the same block of 100
 * consecutive numbers as, or a block next to, a different number the same staff member searched in the last
 * hour. Two unrelated numbers almost never do: for 11-digit mobile numbers, 3 blocks of 100 out of 10⁹.
 *
 * Invariant: no number is kept. Each search leaves, for an hour, keyed digests of its block and of its exact
 * value (HMAC under the keyring's watch key, domain-separated): enough to compare, nothing to read back.
 */
const HOUR = 3_600_000;
/** Searches remembered per staff member (oldest dropped first). */
const KEEP = 16;

interface Trace {
  block: string;
  exact: string;
  at: number;
}

export function createSearchPatterns(deps: { digest: (text: string) => string; windowMs?: number }) {
  const windowMs = deps.windowMs ?? HOUR;
  const recent = new Map<string, Trace[]>();
  const blockOf = (by: string, block: bigint) => deps.digest(`search-block:${by}:${block}`);

  return {
    /** Is this search patterned? Remembers it (as digests) either way. Non-numeric values never are. */
    observe(staffId: string, by: string, value: string, at: number): boolean {
      const digits = value.replace(/\D/g, '');
      if (digits.length < 6 || digits.length > 30) return false;
      const block = BigInt(digits) / 100n;
      const exact = deps.digest(`search-value:${by}:${digits}`);
      const near = new Set([blockOf(by, block - 1n), blockOf(by, block), blockOf(by, block + 1n)]);
      const kept = (recent.get(staffId) ?? []).filter((t) => at - t.at <= windowMs);
      const patterned = kept.some((t) => near.has(t.block) && t.exact !== exact);
      kept.push({ block: blockOf(by, block), exact, at });
      recent.set(staffId, kept.slice(-KEEP));
      return patterned;
    },
  };
}

export type SearchPatterns = ReturnType<typeof createSearchPatterns>;
