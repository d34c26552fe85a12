import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createInProcessBus } from '../../src/platform/bus.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { isUuid, uuidv7 } from '../../src/platform/ids.ts';

test('defaults: embedded SQLite under the data directory, loopback:8080, no inline master key', () => {
  const config = loadConfig({ CUSTOS_DATA_DIR: '/tmp/custos-x' });
  assert.equal(config.databaseUrl, 'sqlite:/tmp/custos-x/custos.db');
  assert.equal(config.masterKeyFile, '/tmp/custos-x/master.key');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.masterKey, undefined);
  assert.ok(Object.isFrozen(config));
});

test('environment beats the config file, which beats defaults; unknown file keys are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-config-'));
  const file = join(dir, 'custos.json');
  writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0' }));
  const config = loadConfig({ CUSTOS_CONFIG: file, CUSTOS_PORT: '9100' });
  assert.equal(config.port, 9100);
  assert.equal(config.host, '0.0.0.0');
  writeFileSync(file, JSON.stringify({ prot: 9000 }));
  assert.throws(
    () => loadConfig({ CUSTOS_CONFIG: file }),
    (e) => isCustosError(e, 'CONFIG_INVALID'),
  );
});

test('invalid settings stop with every problem named and no secret echoed', () => {
  assert.throws(
    () => loadConfig({ CUSTOS_PORT: '70000', CUSTOS_DEMO: 'maybe', CUSTOS_DATABASE_URL: 'mysql://x' }),
    (e) => {
      assert.ok(isCustosError(e, 'CONFIG_INVALID'));
      assert.match(e.message, /CUSTOS_PORT/);
      assert.match(e.message, /CUSTOS_DEMO/);
      assert.match(e.message, /CUSTOS_DATABASE_URL/);
      return true;
    },
  );
});

test('oversight limits: defaults, and settings that contradict each other stop the process', () => {
  const config = loadConfig({ CUSTOS_DATA_DIR: '/tmp/custos-x' });
  assert.deepEqual(
    [config.breakGlassWeeklyCap, config.exportRequesterDay, config.exportRequesterWeek],
    [2, 1000, 2000],
  );
  assert.deepEqual(
    [config.exportLargeThreshold, config.exportLargeQuorum, config.exportLargeWaitHours],
    [200, 2, 24],
  );
  assert.deepEqual(
    [config.aggregateEpsilon, config.aggregateBudget, config.aggregateBudgetDays],
    [0.25, 1, 30],
  );
  assert.throws(
    () =>
      loadConfig({
        CUSTOS_AGGREGATE_EPSILON: '2',
        CUSTOS_AGGREGATE_BUDGET: '1',
        CUSTOS_EXPORT_APPROVER_DAY: '9000',
        CUSTOS_BREAK_GLASS_WEEKLY_CAP: '0',
        CUSTOS_EXPORT_LARGE_QUORUM: '0',
        CUSTOS_AGGREGATE_BUDGET_DAYS: '-1',
      }),
    (e) => {
      assert.ok(isCustosError(e, 'CONFIG_INVALID'));
      for (const name of [
        'CUSTOS_AGGREGATE_BUDGET must be at least',
        'CUSTOS_EXPORT_APPROVER_DAY must not exceed',
        'CUSTOS_BREAK_GLASS_WEEKLY_CAP',
        'CUSTOS_EXPORT_LARGE_QUORUM',
        'CUSTOS_AGGREGATE_BUDGET_DAYS',
      ])
        assert.ok(e.message.includes(name), name);
      return true;
    },
  );
});

test('UUIDv7 ids are well-formed, unique and time-ordered', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
  assert.ok(ids.every(isUuid));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(ids[0]?.[14], '7');
});

test('the bus delivers after publish returns and a failing handler does not stop the others', async () => {
  const errors: unknown[] = [];
  const bus = createInProcessBus({ onHandlerError: (e) => errors.push(e) });
  const seen: string[] = [];
  bus.subscribe('customer.viewed', () => {
    throw new Error('boom');
  });
  bus.subscribe('customer.viewed', (e) => {
    seen.push(e.data.customerId);
  });
  bus.publish('customer.viewed', { customerId: 'c1', actor: 'a' });
  assert.deepEqual(seen, []);
  await bus.close();
  assert.deepEqual(seen, ['c1']);
  assert.equal(errors.length, 1);
});
