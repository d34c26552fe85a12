/**
 * The aggregates' noise, shown statistically: the sampler has the two-sided geometric distribution it
 * claims, and the two differencing attacks of issue 10 (two aggregates differing by one dimension; a consent
 * withdrawn between two aggregates) succeed every time on exact k-anonymous counts but no better than ε
 * allows on the noisy release. Bounds: an ε-DP pair of outputs lets an attacker tell two neighbouring worlds
 * apart with accuracy at most e^ε / (1 + e^ε).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cryptoUniform,
  geometricNoise,
  releasePrivately,
  releaseThreshold,
} from '../../../src/access/exports/differential-privacy.ts';
import {
  aggregateCounts,
  type AggregateDimension,
  type AggregateRow,
} from '../../../src/access/exports/k-anonymity.ts';

const EPSILON = 0.25;
const TRIALS = 4000;
/** Three standard deviations of an accuracy measured over TRIALS coin-like trials. */
const SLACK = 3 * Math.sqrt(0.25 / TRIALS);

type Person = Record<string, string | null>;
const person = (decade: string, domain = 'qq.com'): Person => ({
  birth_date: `${decade.slice(0, 3)}5-05-05`,
  email: `someone@${domain}`,
});
const crowd = (decade: string, n: number) => Array.from({ length: n }, () => person(decade));

/** A release: noisy (this module) or exact k-anonymous counts (what aggregates were before). */
type Release = (people: Person[], dimensions: AggregateDimension[]) => AggregateRow[];
const noisy: Release = (people, dimensions) =>
  releasePrivately(aggregateCounts(people, dimensions), { k: 10, epsilon: EPSILON, uniform: Math.random })
    .groups;
const exact: Release = (people, dimensions) =>
  aggregateCounts(people, dimensions).filter((cell) => cell.count >= 10);

const countOf = (groups: AggregateRow[], values: Record<string, string>) =>
  groups.find((g) => Object.entries(values).every(([d, v]) => g.values[d] === v))?.count;

test('the noise is two-sided geometric with α = e^-ε, from the CSPRNG', () => {
  const alpha = Math.exp(-EPSILON);
  const n = 100_000;
  let sum = 0;
  let squares = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const z = geometricNoise(EPSILON, cryptoUniform);
    assert.ok(Number.isInteger(z));
    sum += z;
    squares += z * z;
    if (z === 0) zeros++;
  }
  const variance = (2 * alpha) / (1 - alpha) ** 2; // ≈ 31.8
  assert.ok(Math.abs(sum / n) < 0.15, `mean ${sum / n}`);
  assert.ok(Math.abs(squares / n / variance - 1) < 0.05, `variance ${squares / n} vs ${variance}`);
  assert.ok(Math.abs(zeros / n - (1 - alpha) / (1 + alpha)) < 0.006, `P(0) ${zeros / n}`);
  assert.equal(releaseThreshold(EPSILON, 10), 53);
  assert.equal(releaseThreshold(1, 10), 14);
  assert.equal(releaseThreshold(5, 10), 10, 'never below k');
});

/**
 * Two aggregates differing by one dimension: by decade, then by decade and mail domain. Is the target (the
 * one 1980s customer not on qq.com) in the data? The attacker knows everyone else and guesses "yes" when
 * the 1980s total exceeds the 1980s-at-qq.com group.
 */
function differencingAccuracy(release: Release): number {
  let right = 0;
  for (let i = 0; i < TRIALS; i++) {
    const present = i % 2 === 0;
    const people = [...crowd('1970s', 80), ...crowd('1980s', 80), ...crowd('1990s', 80)];
    if (present) people.push(person('1980s', '163.com'));
    const byDecade = countOf(release(people, ['birth_decade']), { birth_decade: '1980s' });
    const byDomain = countOf(release(people, ['birth_decade', 'email_domain']), {
      birth_decade: '1980s',
      email_domain: 'qq.com',
    });
    const guess =
      byDecade === undefined || byDomain === undefined ? Math.random() < 0.5 : byDecade - byDomain > 0.5;
    if (guess === present) right++;
  }
  return right / TRIALS;
}

test('two aggregates differing by one dimension no longer isolate a person', () => {
  assert.equal(differencingAccuracy(exact), 1, 'on exact counts the attack always works');
  const accuracy = differencingAccuracy(noisy);
  const bound = Math.exp(2 * EPSILON) / (1 + Math.exp(2 * EPSILON)); // two releases: ε adds up
  assert.ok(accuracy <= bound + SLACK, `accuracy ${accuracy} above the ε bound ${bound}`);
});

/**
 * The target withdraws consent between two aggregates by decade: which decade is theirs? The attacker
 * guesses the decade whose count dropped most.
 */
function withdrawalAccuracy(release: Release): number {
  const decades = ['1970s', '1980s', '1990s'];
  let right = 0;
  for (let i = 0; i < TRIALS; i++) {
    const target = decades[i % 3] as string;
    const others = [...crowd('1970s', 80), ...crowd('1980s', 80), ...crowd('1990s', 80)];
    const before = release([...others, person(target)], ['birth_decade']);
    const after = release(others, ['birth_decade']);
    const drops = decades.map((d) => {
      const a = countOf(before, { birth_decade: d });
      const b = countOf(after, { birth_decade: d });
      return a === undefined || b === undefined ? -Infinity : a - b + Math.random() * 1e-3;
    });
    if (decades[drops.indexOf(Math.max(...drops))] === target) right++;
  }
  return right / TRIALS;
}

test('a consent withdrawn between two aggregates no longer gives the customer away', () => {
  assert.equal(withdrawalAccuracy(exact), 1, 'on exact counts the attack always works');
  const accuracy = withdrawalAccuracy(noisy);
  // Moving the target between two decades changes two cells: likelihoods differ by at most e^(2ε), so
  // among three equally likely decades no guess is right more often than e^(2ε) / (e^(2ε) + 2).
  const bound = Math.exp(2 * EPSILON) / (Math.exp(2 * EPSILON) + 2);
  assert.ok(accuracy <= bound + SLACK, `accuracy ${accuracy} above the ε bound ${bound}`);
  assert.ok(accuracy > 1 / 3 - 0.05, 'sanity: a guess among three');
});
