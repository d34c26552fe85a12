/**
 * An initial load (import into an empty vault) drops the blind-index search indexes and builds them once at
 * the end: searches stay right meanwhile, the indexes are back after, and a load cut short by a crash gets
 * them back at the next start. On both dialects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createCustos } from '../../src/app.ts';
import type { Actor } from '../../src/platform/actor.ts';
import { openDatabase } from '../../src/platform/database/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { openRecordSource } from '../../src/vault/import/records.ts';
import { type TestCustos, testCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';

const actor: Actor = { type: 'system', id: 'test' };
const SEARCH_INDEXES = ['customers_email_bidx', 'customers_national_id_bidx', 'customers_phone_bidx'];

function csvOf(count: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'custos-initial-load-')), 'customers.csv');
  const rows = Array.from(
    { length: count },
    (_, i) =>
      `Customer ${i},1380013${String(i).padStart(4, '0')},c${i}@example.com,MI${String(i).padStart(10, '0')}`,
  );
  writeFileSync(path, ['name,phone,email,account_id', ...rows, ''].join('\n'));
  return path;
}

/** Runs `work` on a connection of its own (what another process would see or do). */
async function elsewhere<T>(t: TestCustos, work: (handle: ReturnType<typeof openDatabase>) => Promise<T>) {
  const handle = openDatabase(t.database.url, t.database.schema ? { schema: t.database.schema } : {});
  try {
    return await work(handle);
  } finally {
    await handle.close();
  }
}

/** The blind-index indexes of the customers table. */
function customerIndexes(t: TestCustos): Promise<string[]> {
  return elsewhere(t, async ({ db, dialect }) => {
    const { rows } =
      dialect === 'sqlite'
        ? await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and name like 'customers_%bidx'`.execute(db)
        : await sql<{
            name: string;
          }>`select indexname as name from pg_indexes where schemaname = ${t.database.schema} and indexname like 'customers_%bidx'`.execute(
            db,
          );
    return rows.map((r) => r.name).sort();
  });
}

const ALL_INDEXES = ['customers_account_id_bidx', ...SEARCH_INDEXES];

for (const { dialect, skip } of await dialects()) {
  describe(`initial load on ${dialect}`, { skip }, () => {
    test('the search indexes are dropped while loading, searches still find, and they are back after', async () => {
      const t = await testCustos(dialect);
      try {
        const count = 3_500; // past three sealing chunks, so batches commit while the file is still read
        const source = await openRecordSource(csvOf(count), 'csv');
        let during: string[] = [];
        let foundDuring = -1;
        async function* watched() {
          let n = 0;
          for await (const item of source.records()) {
            if (n === 0) during = await customerIndexes(t);
            if (++n === count)
              foundDuring = (await t.custos.vault.search(actor, 'phone', '13800130000')).length;
            yield item;
          }
        }
        const summary = await t.custos.importer.importRecords(actor, watched(), { batchSize: 500 });
        assert.equal(summary.imported, count);
        assert.deepEqual(
          during,
          ['customers_account_id_bidx'],
          'only the unique index is kept while loading',
        );
        assert.equal(foundDuring, 1, 'a search during the load finds an imported customer');
        assert.deepEqual(await customerIndexes(t), ALL_INDEXES);
        assert.equal((await t.custos.vault.search(actor, 'email', 'c3499@example.com')).length, 1);
      } finally {
        await t.cleanup();
      }
    });

    test('an import into a vault that is not empty keeps its indexes', async () => {
      const t = await testCustos(dialect);
      try {
        await t.custos.importer.importRecords(actor, (await openRecordSource(csvOf(2), 'csv')).records());
        let during: string[] = [];
        async function* watched() {
          during = await customerIndexes(t);
          yield* (await openRecordSource(csvOf(5), 'csv')).records();
        }
        const summary = await t.custos.importer.importRecords(actor, watched());
        assert.equal(summary.imported, 3);
        assert.deepEqual(during, ALL_INDEXES);
      } finally {
        await t.cleanup();
      }
    });

    test('a load cut short by a crash leaves its indexes to the next start', async () => {
      const t = await testCustos(dialect);
      try {
        await elsewhere(t, async ({ db }) => {
          for (const name of SEARCH_INDEXES) await db.schema.dropIndex(name).execute();
        });
        assert.deepEqual(await customerIndexes(t), ['customers_account_id_bidx']);
        const restarted = await createCustos(t.config, {
          logger: createLogger('silent'),
          database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
        });
        await restarted.close();
        assert.deepEqual(await customerIndexes(t), ALL_INDEXES);
      } finally {
        await t.cleanup();
      }
    });
  });
}
