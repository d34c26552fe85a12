/**
 * Issue 13, finding 8: a clean shutdown signs a final checkpoint, so no entry waits uncovered for the next
 * start. Checkpoints on a timer are set to an hour here, so only the shutdown can have signed. In process on
 * both dialects, and `custos serve` stopped with SIGTERM; a command that only reads signs nothing.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createCustos } from '../../src/app.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;
const HOUR = '3600000';

/** The latest stored checkpoint's size, after checking its signature. */
async function latestCheckpointSize(t: TestCustos): Promise<number> {
  const latest = await t.custos.ledgerStore.latestCheckpoint();
  if (!latest) return 0;
  const opened = openCheckpoint(latest.note, [verifierFromKey(t.custos.ledger.vkey)], t.custos.ledger.origin);
  assert.ok(opened.ok, 'the final checkpoint is validly signed');
  return opened.checkpoint.size;
}

for (const { dialect, skip } of await dialects()) {
  describe(`a clean shutdown on ${dialect}`, { skip }, () => {
    test('close() signs a checkpoint covering every entry', async () => {
      const t = await testCustos(dialect, { env: { CUSTOS_CHECKPOINT_INTERVAL_MS: HOUR } });
      try {
        const second = await createCustos(t.config, {
          logger: createLogger('silent'),
          database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
        });
        second.start();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            second.ledger.append({
              type: 'customer.viewed',
              actor: 'api-token:t',
              data: { customerId: `s${i}` },
            }),
          ),
        );
        const entries = await t.custos.ledgerStore.size();
        assert.ok((await latestCheckpointSize(t)) < entries, 'not covered before the shutdown');
        await second.close();
        // The close wrote one entry of its own (the watcher's final snapshot) before the checkpoint.
        const after = await t.custos.ledgerStore.size();
        assert.equal(after, entries + 1);
        assert.equal((await t.custos.ledgerStore.entry(entries))?.type, 'watch.snapshot');
        assert.equal(await latestCheckpointSize(t), after);
      } finally {
        await t.cleanup();
      }
    });
  });
}

describe('custos serve stopped with SIGTERM', () => {
  test('leaves a signed checkpoint of every entry; custos verify signs nothing', async () => {
    const t = await testCustos('sqlite', { env: { CUSTOS_CHECKPOINT_INTERVAL_MS: HOUR } });
    try {
      const env = {
        ...process.env,
        CUSTOS_DATA_DIR: t.config.dataDir,
        CUSTOS_DATABASE_URL: t.config.databaseUrl,
        CUSTOS_DEMO: 'false',
        CUSTOS_PORT: '0',
        CUSTOS_LOG_LEVEL: 'warn',
        CUSTOS_CHECKPOINT_INTERVAL_MS: HOUR,
      };
      const server = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      server.stdout?.on('data', (d) => (output += d));
      server.stderr?.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!/listening on (http:\/\/\S+)/.test(output)) {
        if (Date.now() > deadline || server.exitCode !== null)
          throw new Error(`server did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const base = /listening on (http:\/\/\S+)/.exec(output)?.[1] as string;
      const before = await t.custos.ledgerStore.size();
      for (let i = 0; i < 3; i++) {
        const refused = await fetch(`${base}/v1/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: `ghost${i}@custos.example`, password: 'not the password at all' }),
        });
        assert.equal(refused.status, 401);
      }
      const entries = await t.custos.ledgerStore.size();
      assert.ok(entries > before, 'the refused sign-ins are ledgered');
      assert.ok((await latestCheckpointSize(t)) < entries);
      server.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      // The shutdown wrote the watcher's final snapshot entry, then signed over it too.
      const after = await t.custos.ledgerStore.size();
      assert.equal(after, entries + 1);
      assert.equal(await latestCheckpointSize(t), after);

      // A command that only reads does not sign: append behind its back, then verify.
      await t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: 'x' },
      });
      const checkpoints = (await t.custos.ledgerStore.checkpoints()).length;
      await run(process.execPath, [bin, 'verify'], { env });
      assert.equal((await t.custos.ledgerStore.checkpoints()).length, checkpoints);
    } finally {
      await t.cleanup();
    }
  });
});
