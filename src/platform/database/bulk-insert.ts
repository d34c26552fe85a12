/**
 * Inserting many rows fast on either dialect, optionally skipping rows that break a uniqueness constraint.
 *
 * SQLite: one cached prepared statement run per row, on the native connection, inside the caller's
 * transaction — several times faster than compiling a multi-row Kysely insert. It is used only with a
 * Kysely transaction in hand: holding the transaction means holding SQLite's single connection, so no other
 * request's statements can interleave with ours. PostgreSQL: multi-row inserts chunked to stay under the
 * protocol's 65,535 bind parameters.
 */
import type { Database as NativeSqlite, Statement } from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type TableName = keyof Database;
type Db = Kysely<Database> | Transaction<Database>;

export interface BulkInsert {
  /** Insert every row; a constraint violation fails the whole call. */
  <T extends TableName>(trx: Db, table: T, rows: readonly Database[T][]): Promise<void>;
  /**
   * Insert the rows that break no uniqueness constraint and skip the others; returns the values of
   * `keyColumn` of the rows inserted.
   */
  skippingConflicts<T extends TableName>(
    trx: Db,
    table: T,
    rows: readonly Database[T][],
    keyColumn: keyof Database[T] & string,
  ): Promise<Set<unknown>>;
}

const PG_MAX_PARAMETERS = 60_000;

function chunks<T>(rows: readonly T[]): T[][] {
  if (rows.length === 0) return [];
  const size = Math.max(1, Math.floor(PG_MAX_PARAMETERS / Object.keys(rows[0] as object).length));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Kysely cannot type a table chosen at run time. */
export function kyselyBulkInsert(): BulkInsert {
  const insert = async (trx: Db, table: TableName, rows: readonly unknown[]) => {
    for (const chunk of chunks(rows))
      await trx
        .insertInto(table)
        .values(chunk as any)
        .execute();
  };
  insert.skippingConflicts = async (
    trx: Db,
    table: TableName,
    rows: readonly unknown[],
    keyColumn: string,
  ) => {
    const inserted = new Set<unknown>();
    for (const chunk of chunks(rows)) {
      const result = await trx
        .insertInto(table)
        .values(chunk as any)
        .onConflict((oc) => oc.doNothing())
        .returning(keyColumn as any)
        .execute();
      for (const row of result) inserted.add((row as Record<string, unknown>)[keyColumn]);
    }
    return inserted;
  };
  return insert as BulkInsert;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function sqliteBulkInsert(native: NativeSqlite): BulkInsert {
  const statements = new Map<string, Statement>();
  const fallback = kyselyBulkInsert();

  function statementFor(table: string, columns: string[], skip: boolean): Statement {
    if (![table, ...columns].every((name) => IDENTIFIER.test(name))) throw new Error('unsafe identifier');
    const key = `${table}(${columns.join(',')})${skip}`;
    let statement = statements.get(key);
    if (!statement) {
      const names = columns.map((c) => `"${c}"`).join(', ');
      const values = columns.map(() => '?').join(', ');
      statement = native.prepare(
        `insert into "${table}" (${names}) values (${values})${skip ? ' on conflict do nothing' : ''}`,
      );
      statements.set(key, statement);
    }
    return statement;
  }

  const insert = async (trx: Db, table: TableName, rows: readonly unknown[]) => {
    if (rows.length === 0) return;
    if (!trx.isTransaction) return fallback(trx, table, rows as never);
    const columns = Object.keys(rows[0] as object);
    const statement = statementFor(table, columns, false);
    for (const row of rows) statement.run(columns.map((c) => (row as Record<string, unknown>)[c]));
  };
  insert.skippingConflicts = async (
    trx: Db,
    table: TableName,
    rows: readonly unknown[],
    keyColumn: string,
  ) => {
    if (!trx.isTransaction) return fallback.skippingConflicts(trx, table, rows as never, keyColumn as never);
    const inserted = new Set<unknown>();
    if (rows.length === 0) return inserted;
    const columns = Object.keys(rows[0] as object);
    const statement = statementFor(table, columns, true);
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      if (statement.run(columns.map((c) => record[c])).changes === 1) inserted.add(record[keyColumn]);
    }
    return inserted;
  };
  return insert as BulkInsert;
}
