/**
 * Crash test: a process appending under load is killed with SIGKILL; after a restart every append it had
 * acknowledged is present with its content, and the ledger verifies. Both dialects.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import { decodeEntry } from '../../src/ledger/entry-encoding.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const fixture = new URL('./fixtures/append-under-load.ts', import.meta.url).pathname;
const KILL_AFTER = 500;

for (const { dialect, skip } of await dialects()) {
  describe(`ledger crash on ${dialect}`, { skip }, () => {
    test('every acknowledged append survives SIGKILL, and the ledger verifies after restart', async () => {
      const t = await testCustos(dialect);
      const env = {
        ...process.env,
        CUSTOS_DATA_DIR: t.config.dataDir,
        CUSTOS_DATABASE_URL: t.config.databaseUrl,
        CUSTOS_DEMO: 'false',
        CUSTOS_CHECKPOINT_INTERVAL_MS: '200',
        ...(t.database.schema ? { TEST_PG_SCHEMA: t.database.schema } : {}),
      };
      await t.custos.close();
      const acked = new Map<number, string>();
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffer = '';
      // Killed once it has acknowledged KILL_AFTER appends, while it is still appending: a count, not a
      // sleep, so a loaded machine makes the test slower, never weaker.
      let loaded: () => void;
      const enough = new Promise<void>((resolve) => {
        loaded = resolve;
      });
      child.stdout.on('data', (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const match = /^ack (\d+) (n\d+)$/.exec(line);
          if (match) acked.set(Number(match[1]), match[2] as string);
          if (acked.size >= KILL_AFTER) loaded();
        }
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await Promise.race([enough, exited]);
      child.kill('SIGKILL');
      assert.equal(await exited, null, 'the child was killed, it did not stop by itself');
      assert.ok(acked.size >= KILL_AFTER, `the child acknowledged ${acked.size} appends before the kill`);

      const restarted = await testCustosOn(t);
      try {
        assert.ok(restarted.ledger.size() >= acked.size);
        for (const [index, nonce] of acked) {
          const row = await restarted.ledgerStore.entry(index);
          assert.ok(row?.entry, `acknowledged entry ${index} is present`);
          assert.equal(decodeEntry(row.entry).subject, nonce);
        }
        await restarted.ledger.checkpointNow();
        const report = await verifyLedger({
          store: restarted.ledgerStore,
          verifier: verifierFromKey(restarted.ledger.vkey),
          origin: restarted.ledger.origin,
        });
        assert.deepEqual(report.problems, []);
        const next = await restarted.ledger.append({
          type: 'customer.viewed',
          actor: 'system:after',
          data: { customerId: 'z' },
        });
        assert.equal(next, report.entries, 'appends continue right after the last durable entry');
      } finally {
        await restarted.close();
        await t.database.drop();
        rmSync(t.config.dataDir, { recursive: true, force: true });
      }
    });
  });
}

/** Reopen the same database and key files as `t`, as a restarted server would. */
async function testCustosOn(t: Awaited<ReturnType<typeof testCustos>>) {
  const { createCustos } = await import('../../src/app.ts');
  const { createLogger } = await import('../../src/platform/logger.ts');
  return createCustos(t.config, {
    logger: createLogger('silent'),
    database: t.database.schema ? { schema: t.database.schema } : {},
  });
}
