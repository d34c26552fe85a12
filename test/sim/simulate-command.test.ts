/** `custos simulate`: writes the report and its charts where asked, and refuses nonsense sizes. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { simulateCommand } from '../../src/cli/commands.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('custos simulate', () => {
  test('writes the Markdown report with the exact command, and three SVG charts beside it', async () => {
    const out = join(dir, 'CONTAINMENT.md');
    await simulateCommand({ staff: '120', customers: '5000', days: '1', seed: '3', out });
    const md = readFileSync(out, 'utf8');
    assert.match(md, /custos simulate --staff 120 --customers 5000 --days 1 --seed 3/);
    assert.match(md, /!\[Records exposed over time\]\(containment\/exposed\.svg\)/);
    for (const file of ['exposed.svg', 'scores.svg', 'friction.svg']) {
      const svg = readFileSync(join(dir, 'containment', file), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<path /);
    }
  });

  test('refuses sizes that are not positive whole numbers, or too many staff, before simulating anything', async () => {
    const out = join(dir, 'refused.md');
    for (const bad of [
      { staff: '0' },
      { staff: '-5' },
      { days: '1.5' },
      { customers: 'lots' },
      { staff: '1e9' },
    ]) {
      await assert.rejects(simulateCommand({ out, ...bad }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'VALIDATION_FAILED');
        return true;
      });
    }
    assert.equal(existsSync(out), false);
  });
});
