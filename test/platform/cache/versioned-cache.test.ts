/**
 * Entity versions and the caches on them, without a database: a fill that raced a change is not kept, a
 * PostgreSQL-style refresh never answers from a read that started before it was asked, an untrusted reading
 * (SQLite inside a transaction) drops everything, and a watcher that failed runs again on the next refresh.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChangeVersions } from '../../../src/platform/cache/change-versions.ts';
import type { VersionRow } from '../../../src/platform/cache/change-versions.store.ts';
import { createVersionedCache } from '../../../src/platform/cache/versioned-cache.ts';

const row = (staff: number): VersionRow => ({
  sessions: 0,
  accounts: 0,
  staff,
  cases: 0,
  case_assignees: 0,
  quota_overrides: 0,
  policy_versions: 0,
});

test('a hit until the version moves; a fill that raced a change is not kept', async () => {
  let current: VersionRow | null = row(1);
  const changes = createChangeVersions({ sync: true, read: () => current });
  const cache = createVersionedCache<{ role: string }>(changes, ['staff']);
  let loads = 0;
  const load = async () => ({ role: `role ${++loads}` });
  assert.equal((await cache.get('a', load))?.role, 'role 1');
  assert.equal((await cache.get('a', load))?.role, 'role 1', 'from memory');
  current = row(2);
  assert.equal((await cache.get('a', load))?.role, 'role 2', 'the next lookup after a change reloads');

  // A load that is overtaken by a change (seen by another lookup) answers, but is not kept.
  let release!: () => void;
  const slow = cache.get('b', () => new Promise((resolve) => (release = () => resolve({ role: 'old' }))));
  current = row(3);
  await cache.get('c', load);
  release();
  assert.equal((await slow)?.role, 'old');
  assert.equal(
    (await cache.get('b', async () => ({ role: 'new' })))?.role,
    'new',
    'the raced fill was dropped',
  );

  current = null; // inside a transaction: nothing is trusted
  assert.equal((await cache.get('b', async () => ({ role: 'in tx' })))?.role, 'in tx');
  assert.equal((await cache.get('b', async () => ({ role: 'in tx 2' })))?.role, 'in tx 2');
  current = row(3);
  assert.equal((await cache.get('b', async () => ({ role: 'after' })))?.role, 'after', 'and once out, again');
});

test('an asynchronous refresh asked during a read waits for a read that starts after it', async () => {
  const started: Array<(value: VersionRow) => void> = [];
  const changes = createChangeVersions({
    sync: false,
    read: () => new Promise<VersionRow>((resolve) => started.push(resolve)),
  });
  let moves = 0;
  changes.watch(['staff'], () => void moves++);
  const first = changes.refresh();
  const second = changes.refresh();
  const third = changes.refresh();
  assert.equal(started.length, 1, 'one read in flight');
  started[0]?.(row(1));
  await first;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, 2, 'the later callers share one new read');
  started[1]?.(row(2));
  await Promise.all([second, third]);
  assert.equal(moves, 2);
});

test('a watcher that failed runs again on the next refresh', async () => {
  const changes = createChangeVersions({ sync: true, read: () => row(1) });
  let calls = 0;
  changes.watch(['policy_versions'], async () => {
    if (++calls === 1) throw new Error('database down');
  });
  await assert.rejects(async () => changes.refresh(), /database down/);
  await changes.refresh();
  assert.equal(calls, 2);
  await changes.refresh();
  assert.equal(calls, 2, 'nothing moved since');
});
