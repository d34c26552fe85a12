/**
 * The simulator's seeded randomness: xoshiro128** seeded through splitmix32. Every draw in a run comes from
 * a stream derived from (seed, purpose, …), so the same seed gives the same organisation, the same workload
 * and the same report, whatever order the engine visits staff in.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
}

/**
 * A stream for one purpose: `createRandom(seed, 7, staffIndex, day)` always gives the same draws.
 *
 * @example const rng = createRandom(1, 3); rng.int(10);
 */
export function createRandom(seed: number, ...path: number[]): Random {
  let mix = splitmix32(seed);
  for (const part of path) mix = splitmix32((mix() ^ Math.imul(part + 1, 0x27d4eb2d)) >>> 0);
  let a = mix() | 1;
  let b = mix();
  let c = mix();
  let d = mix();
  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = () => next32() / 4294967296;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
