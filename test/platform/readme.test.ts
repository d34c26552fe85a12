import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { settings } from '../../src/platform/config.ts';

test('the README documents every setting and the two commands', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const setting of settings)
    assert.ok(readme.includes(`| \`${setting.env}\` | \`${setting.key}\``), setting.env);
  assert.match(readme, /npm install && npm start/);
  assert.match(readme, /npm test/);
});
