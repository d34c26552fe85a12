/** The ledger's entries as stored, decoded, for tests that check an act was recorded. */
import type { Custos } from '../../src/app.ts';
import type { EntryType, LedgerEntry } from '../../src/ledger/entry-types.ts';

export async function ledgerEntries<T extends EntryType>(
  custos: Pick<Custos, 'database'>,
  type: T,
): Promise<LedgerEntry<T>[]> {
  const rows = await custos.database.db
    .selectFrom('ledger_entries')
    .select(['entry'])
    .where('type', '=', type)
    .orderBy('idx')
    .execute();
  return rows.flatMap((row) => (row.entry ? [JSON.parse(row.entry.toString('utf8')) as LedgerEntry<T>] : []));
}
