/**
 * The module map is enforced: the boundary rules (.dependency-cruiser.cjs, run over src/ by `npm run
 * lint:deps`) must pass on the code and must fail on a forbidden import. The fixture under
 * test/fixtures/boundaries/src holds one of each kind of forbidden import.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { cruise, type ICruiseResult } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as {
  forbidden: NonNullable<Parameters<typeof cruise>[1]>['ruleSet'] extends infer R
    ? R extends { forbidden?: infer F }
      ? F
      : never
    : never;
  options: Record<string, unknown>;
};

async function violations(path: string): Promise<string[]> {
  const result = await cruise(
    [path],
    { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } },
    { extensions: ['.ts', '.mjs', '.js'] },
  );
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

test('the code keeps the module map', async () => {
  assert.deepEqual(await violations('src'), []);
});

test('a forbidden import fails the rules: upward, row types outside a store, the composition root, the simulator', async () => {
  const found = await violations('test/fixtures/boundaries/src');
  const base = 'test/fixtures/boundaries/src';
  assert.deepEqual(found.sort(), [
    `composition-root-on-top: ${base}/vault/vault.service.ts → ${base}/app.ts`,
    `module-ledger: ${base}/ledger/ledger.service.ts → ${base}/access/cases/cases.service.ts`,
    `row-types-in-stores: ${base}/access/cases/cases.service.ts → ${base}/platform/database/schema.ts`,
    `simulator-only-from-the-command-line: ${base}/watch/watcher.service.ts → test/fixtures/boundaries/sim/engine.ts`,
  ]);
});
