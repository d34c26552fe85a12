/**
 * Bulk import of customers: validate and seal each record, insert in batches, report bad rows by line.
 *
 * Guarantees: a row is either wholly stored (its data key and its sealed row, in one transaction) or
 * reported; account IDs already present (in the vault, or earlier in the file) are skipped by the unique
 * index itself and reported as duplicates, so importing the same file twice stores each customer once, and a
 * customer created concurrently through the API cannot make a batch fail.
 *
 * Pipeline: the main thread parses and inserts; sealing (the CPU-heavy part) runs in a `Sealer`, inline or
 * in worker threads, several chunks ahead. Results are consumed in file order. Into an empty vault (an
 * initial load) the search indexes are dropped first and built once at the end, in a `finally`; a load cut
 * short by a crash leaves them to the next start (vault/wire.ts). The unique account-ID index stays.
 */
import type { Keyring, WrappedDataKey } from '../../crypto/keyring.ts';
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { storedBlindIndex } from '../sealing.ts';
import type { CustomerRow, VaultStore } from '../vault.store.ts';
import type { ImportRecord, PreparedChunk, RejectedRow } from './prepare.ts';
import type { SourceRecord } from './records.ts';
import { inlineSealer, type Sealer, workerSealer } from './sealing-pool.ts';

export type { RejectedRow };

export interface ImportSummary {
  imported: number;
  rejected: number;
  /** The first `maxReported` rejected rows, in line order. */
  rejectedRows: RejectedRow[];
}

export interface ImportOptions {
  /** Rows per insert transaction (default 5,000). */
  batchSize?: number;
  maxReported?: number;
  /** Sealing worker threads; 0 seals inline (default: inline, the CLI asks for one per core). */
  workers?: number;
  onBatch?: (summary: ImportSummary) => void;
}

const CHUNK = 1000;
const DUPLICATE = 'account_id: a customer with this account ID already exists';

interface Insertable {
  line: number;
  key: WrappedDataKey;
  row: CustomerRow;
}

export interface ImporterDeps {
  store: Pick<
    VaultStore,
    'transaction' | 'insertNewCustomers' | 'isEmpty' | 'dropSearchIndexes' | 'buildSearchIndexes' | 'analyze'
  >;
  keyring: Pick<Keyring, 'wrapDataKey' | 'saveCustomerKeys' | 'blindIndex' | 'blindIndexRoot'>;
  ledger: Pick<Ledger, 'append'>;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}

export function createImporter({ store, keyring, ledger, bus, clock }: ImporterDeps) {
  /** Insert a batch in one transaction; customers whose account ID is taken are skipped with their keys. */
  async function insert(batch: Insertable[]): Promise<Set<string>> {
    return store.transaction(async (trx) => {
      const inserted = await store.insertNewCustomers(
        batch.map((p) => p.row),
        trx,
      );
      await keyring.saveCustomerKeys(
        batch.filter((p) => inserted.has(p.row.id)).map((p) => p.key),
        trx,
      );
      return inserted;
    });
  }

  return {
    async importRecords(actor: Actor, source: AsyncIterable<SourceRecord>, options: ImportOptions = {}) {
      const batchSize = options.batchSize ?? 5000;
      const maxReported = options.maxReported ?? 1000;
      const summary: ImportSummary = { imported: 0, rejected: 0, rejectedRows: [] };
      const seenAccounts = new Set<string>();
      const reject = (line: number, problems: string[]) => {
        summary.rejected++;
        if (summary.rejectedRows.length < maxReported) summary.rejectedRows.push({ line, problems });
      };

      // Write-ahead: each customer's creation is in the ledger before its batch commits; rows the unique
      // index skipped (duplicates), or a batch that failed, get an act.failed entry.
      const by = actorRef(actor);
      const flush = async (batch: Insertable[]) => {
        const entries = await Promise.all(
          batch.map((p) =>
            ledger.append({
              type: 'customer.created',
              actor: by,
              subject: p.row.id,
              data: { customerId: p.row.id, via: 'import' },
            }),
          ),
        );
        const failed = (i: number, code: string) =>
          ledger.append({
            type: 'act.failed',
            actor: by,
            subject: batch[i]?.row.id,
            data: { ref: entries[i] as number, code },
          });
        let inserted: Set<string>;
        try {
          inserted = await insert(batch);
        } catch (error) {
          await Promise.all(batch.map((_, i) => failed(i, 'INTERNAL')));
          throw error;
        }
        summary.imported += inserted.size;
        const skipped = batch.flatMap((p, i) => (inserted.has(p.row.id) ? [] : [i]));
        await Promise.all(skipped.map((i) => failed(i, 'DUPLICATE_CUSTOMER')));
        for (const i of skipped) reject((batch[i] as Insertable).line, [DUPLICATE]);
        options.onBatch?.(summary);
      };

      let batch: Insertable[] = [];
      const consume = async (chunk: PreparedChunk) => {
        for (const row of chunk.rejected) reject(row.line, row.problems);
        for (const prepared of chunk.prepared) {
          const key = keyring.wrapDataKey(prepared.row.id, prepared.dek);
          prepared.dek.fill(0);
          const account = storedBlindIndex(prepared.row, 'account_id')?.toString('hex');
          if (account !== undefined) {
            if (seenAccounts.has(account)) {
              reject(prepared.line, ['account_id: repeats an earlier row of this file']);
              continue;
            }
            seenAccounts.add(account);
          }
          batch.push({ line: prepared.line, key, row: prepared.row });
          if (batch.length >= batchSize) {
            await flush(batch);
            batch = [];
          }
        }
      };

      const sealer: Sealer =
        options.workers && options.workers > 0
          ? workerSealer(keyring.blindIndexRoot(), options.workers)
          : inlineSealer(keyring.blindIndex);
      const inFlight: Promise<PreparedChunk>[] = [];
      // An initial load (an empty vault) builds the search indexes once at the end, not row by row.
      const initialLoad = await store.isEmpty();
      if (initialLoad) await store.dropSearchIndexes();
      try {
        let chunk: ImportRecord[] = [];
        const dispatch = async () => {
          inFlight.push(sealer.seal(chunk, clock.now()));
          chunk = [];
          while (inFlight.length > sealer.parallelism * 2)
            await consume(await (inFlight.shift() as Promise<PreparedChunk>));
        };
        for await (const item of source) {
          if ('error' in item) reject(item.line, [item.error]);
          else chunk.push(item);
          if (chunk.length >= CHUNK) await dispatch();
        }
        if (chunk.length > 0) await dispatch();
        while (inFlight.length > 0) await consume(await (inFlight.shift() as Promise<PreparedChunk>));
        if (batch.length > 0) await flush(batch);
      } finally {
        // A failed run must not leave sealing promises rejecting unobserved.
        for (const pending of inFlight) pending.catch(() => {});
        await sealer.close();
        if (initialLoad) {
          await store.buildSearchIndexes();
          // Statistics only steer the planner (autovacuum refreshes them too): a failure here fails no import.
          await store.analyze().catch(() => {});
        }
      }
      summary.rejectedRows.sort((a, b) => a.line - b.line);
      bus.publish('customers.imported', {
        actor: by,
        imported: summary.imported,
        rejected: summary.rejected,
      });
      return summary;
    },
  };
}

export type Importer = ReturnType<typeof createImporter>;
