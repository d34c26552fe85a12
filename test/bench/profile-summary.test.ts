/**
 * The benchmark's profile summary (bench/support/profile-summary.ts) says where a reveal's time goes: each
 * sample to the deepest Custos folder on its stack, else to the library it was in. A wrong attribution would
 * send the next optimisation to the wrong place, so it is pinned here on a hand-built profile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuProfile, summariseProfile } from '../../bench/support/profile-summary.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

// root → handler (src/access/reveal) → append (src/ledger) → run (native)
// root → kysely executeQuery → all (native)            (a statement whose caller was lost across awaits)
// root → (idle); root → (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 7, 8] },
    { id: 2, callFrame: frame('reveal', 'file:///app/src/access/reveal/reveal.service.ts'), children: [3] },
    { id: 3, callFrame: frame('append', 'file:///app/src/ledger/ledger.service.ts'), children: [4] },
    { id: 4, callFrame: frame('run') },
    {
      id: 5,
      callFrame: frame('executeQuery', 'file:///app/node_modules/kysely/dist/esm/driver.js'),
      children: [6],
    },
    { id: 6, callFrame: frame('all') },
    { id: 7, callFrame: frame('(idle)') },
    { id: 8, callFrame: frame('(garbage collector)') },
  ],
  samples: [4, 4, 4, 2, 6, 6, 7, 7, 7, 8],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

test('each sample goes to the deepest Custos folder on its stack, else to the library it ran in', () => {
  const summary = summariseProfile(profile);
  assert.equal(summary.totalMs, 10);
  const share = Object.fromEntries(summary.areas.map((a) => [a.area, a.ms]));
  assert.deepEqual(share, {
    ledger: 3,
    'access/reveal': 1,
    'SQL through Kysely (its caller lost across awaits)': 2,
    'idle (waiting: I/O, fsync in other threads, timers)': 3,
    'garbage collection': 1,
  });
  assert.equal(summary.areas[0]?.share, 0.3);
});

test('the hottest functions are by self time, idle left out', () => {
  const hottest = summariseProfile(profile).hottest;
  assert.equal(hottest[0]?.fn, 'run (native)');
  assert.equal(hottest[0]?.ms, 3);
  assert.ok(!hottest.some((f) => f.fn.startsWith('(idle)')));
});
