/**
 * Bulk import of customers: validate and seal each record, insert in batches, report bad rows by line.
 *
 * Guarantees: a row is either wholly stored (its data key and its sealed row, in one transaction) or
 * reported; a batch that meets a conflict at insert is retried row by row so one late duplicate cannot take
 * good rows down with it; account IDs already present (in the vault or earlier in the file) are reported as
 * duplicates, so importing the same file twice stores each customer once.
 */
import type { Kysely } from 'kysely';
import type { Keyring } from '../../crypto/keyring.ts';
import { type Actor, actorRef } from '../../platform/actor.ts';
import type { EventBus } from '../../platform/bus.ts';
import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/database/constraint.ts';
import type { CustomerKeysTable, CustomersTable, Database } from '../../platform/database/schema.ts';
import { CustosError } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { normaliseCustomerInput } from '../customer-input.ts';
import { sealChange } from '../sealing.ts';
import { emptyColumns } from '../vault.service.ts';
import type { VaultStore } from '../vault.store.ts';
import type { SourceRecord } from './records.ts';

export interface RejectedRow {
  line: number;
  problems: string[];
}

export interface ImportSummary {
  imported: number;
  rejected: number;
  /** The first `maxReported` rejected rows, in line order. */
  rejectedRows: RejectedRow[];
}

export interface ImportOptions {
  batchSize?: number;
  maxReported?: number;
  onBatch?: (summary: ImportSummary) => void;
}

interface Prepared {
  line: number;
  key: CustomerKeysTable;
  row: CustomersTable;
}

export interface ImporterDeps {
  db: Kysely<Database>;
  store: VaultStore;
  keyring: Keyring;
  bus: Pick<EventBus, 'publish'>;
  clock: Clock;
}

export function createImporter({ db, store, keyring, bus, clock }: ImporterDeps) {
  function prepare(line: number, record: Record<string, unknown>): Prepared {
    const customer = normaliseCustomerInput(record, { partial: false });
    const now = clock.now();
    const id = uuidv7(now);
    const { cipher, row: key } = keyring.newCustomerKey(id);
    const sealed = sealChange(cipher, keyring, customer);
    return {
      line,
      key,
      row: { ...emptyColumns, ...sealed, id, version: 1, created_at: now, updated_at: now },
    };
  }

  async function insert(batch: Prepared[]): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await keyring.store.insertCustomerKeys(
        batch.map((p) => p.key),
        trx,
      );
      await store.insertCustomers(
        batch.map((p) => p.row),
        trx,
      );
    });
  }

  return {
    async importRecords(actor: Actor, source: AsyncIterable<SourceRecord>, options: ImportOptions = {}) {
      const batchSize = options.batchSize ?? 500;
      const maxReported = options.maxReported ?? 1000;
      const summary: ImportSummary = { imported: 0, rejected: 0, rejectedRows: [] };
      const seenAccounts = new Set<string>();
      const reject = (line: number, problems: string[]) => {
        summary.rejected++;
        if (summary.rejectedRows.length < maxReported) summary.rejectedRows.push({ line, problems });
      };

      const flush = async (batch: Prepared[]) => {
        const digests = batch.flatMap((p) => (p.row.account_id_bidx ? [p.row.account_id_bidx] : []));
        const taken = await store.takenAccountIds(digests);
        const fresh = batch.filter((p) => {
          if (!p.row.account_id_bidx || !taken.has(p.row.account_id_bidx.toString('hex'))) return true;
          reject(p.line, ['account_id: a customer with this account ID already exists']);
          return false;
        });
        try {
          await insert(fresh);
          summary.imported += fresh.length;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          for (const one of fresh) {
            try {
              await insert([one]);
              summary.imported++;
            } catch (rowError) {
              if (!isUniqueViolation(rowError)) throw rowError;
              reject(one.line, ['account_id: a customer with this account ID already exists']);
            }
          }
        }
        options.onBatch?.(summary);
      };

      let batch: Prepared[] = [];
      for await (const item of source) {
        if ('error' in item) {
          reject(item.line, [item.error]);
          continue;
        }
        let prepared: Prepared;
        try {
          prepared = prepare(item.line, item.record);
        } catch (error) {
          if (!(error instanceof CustosError) || error.code !== 'VALIDATION_FAILED') throw error;
          reject(
            item.line,
            (error.details ?? []).map((d) => `${d.path}: ${d.problem}`),
          );
          continue;
        }
        const account = prepared.row.account_id_bidx?.toString('hex');
        if (account !== undefined) {
          if (seenAccounts.has(account)) {
            reject(item.line, ['account_id: repeats an earlier row of this file']);
            continue;
          }
          seenAccounts.add(account);
        }
        batch.push(prepared);
        if (batch.length >= batchSize) {
          await flush(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await flush(batch);
      summary.rejectedRows.sort((a, b) => a.line - b.line);
      bus.publish('customers.imported', {
        actor: actorRef(actor),
        imported: summary.imported,
        rejected: summary.rejected,
      });
      return summary;
    },
  };
}

export type Importer = ReturnType<typeof createImporter>;
