/**
 * The shredding benchmark (`npm run bench:shredding`): what one erasure's group re-key costs
 * (crypto/shredding.ts) in an installation of BENCH_CUSTOMERS data keys (default 1,000,000) spread over the
 * 1,024 shred groups — about 977 members per group, each unwrapped and re-wrapped (inner layer under the new
 * group-key version, outer under the master key) and updated in one transaction, plus two fsynced rewrites
 * of the group key file. Key rows only (no customer rows): the re-key touches nothing else.
 *
 * Environment: BENCH_CUSTOMERS (default 1,000,000), BENCH_ERASURES (default 5).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCustos } from '../src/app.ts';
import { dataKeyWrapping } from '../src/crypto/dek-wrapping.ts';
import { createKeyringStore } from '../src/crypto/keyring.store.ts';
import type { WrappedDataKey } from '../src/crypto/keyring.types.ts';
import { fileShredGroups, SHRED_GROUP_COUNT } from '../src/crypto/shred-groups.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const erasures = Number(process.env.BENCH_ERASURES ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'custos-bench-shred-'));
const config = loadConfig({
  CUSTOS_DATA_DIR: dataDir,
  CUSTOS_DEMO: 'false',
  CUSTOS_HONEY_RECORDS: '0',
  CUSTOS_LOG_LEVEL: 'silent',
  CUSTOS_SHRED_GRACE_MS: '0',
});
const custos = await createCustos(config, { logger: createLogger('silent') });
try {
  await custos.initialise();
  const store = createKeyringStore(custos.database.db, custos.database.bulkInsert);
  const wrapping = dataKeyWrapping(custos.kek, fileShredGroups(config.shredGroupFile));
  const victims: string[] = [];
  const filling = performance.now();
  for (let done = 0; done < customers;) {
    const batch: WrappedDataKey[] = [];
    for (let i = 0; i < 10_000 && done < customers; i++, done++) {
      const id = randomUUID();
      batch.push(wrapping.wrap(id, 1, randomBytes(32), Date.now(), done % SHRED_GROUP_COUNT));
      if (done < erasures) victims.push(id);
    }
    await custos.database.db.transaction().execute((trx) => store.insertCustomerKeys(batch, trx));
  }
  const fillSeconds = (performance.now() - filling) / 1000;
  const timings: number[] = [];
  for (const id of victims) {
    const started = performance.now();
    const pending = await custos.database.db
      .transaction()
      .execute((trx) => custos.shredding.destroyCustomerKey(id, trx));
    if (!pending) throw new Error('no key to destroy');
    await custos.shredding.rekey(pending);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const median = timings[Math.floor(timings.length / 2)] as number;
  const perGroup = Math.round(customers / SHRED_GROUP_COUNT);
  process.stdout.write(
    `## Erasure's group re-key\n\n` +
      `${customers.toLocaleString('en')} data keys in ${SHRED_GROUP_COUNT} groups (~${perGroup} per group; ` +
      `filled in ${fillSeconds.toFixed(1)} s): one erasure's re-key takes a median ` +
      `${median.toFixed(0)} ms (min ${timings[0]?.toFixed(0)} ms, max ${timings.at(-1)?.toFixed(0)} ms, ` +
      `${timings.length} erasures; SQLite, grace period 0).\n`,
  );
} finally {
  await custos.close();
  rmSync(dataDir, { recursive: true, force: true });
}
