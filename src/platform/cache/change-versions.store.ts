/**
 * SQL for entity versions: the one `change_versions` row (migration 2026-12-11T0957), read as cheaply as the
 * dialect allows. SQLite: one native prepared statement on the better-sqlite3 connection Kysely uses (no
 * query compilation, no promise). PostgreSQL: one query.
 */
import type SQLite from 'better-sqlite3';
import type { DatabaseHandle } from '../database/database.ts';
import type { ChangeVersionsTable } from '../database/schema.ts';

export type WatchedTable = Exclude<keyof ChangeVersionsTable, 'id'>;
export type VersionRow = Record<WatchedTable, number>;

/**
 * The current row. SQLite reads it synchronously, and answers null when the row cannot be trusted: the
 * connection is inside a transaction a caller opened (its uncommitted writes would be read, and may yet roll
 * back).
 */
export type VersionReader =
  { sync: true; read(): VersionRow | null } | { sync: false; read(): Promise<VersionRow> };

export function createVersionReader(database: DatabaseHandle): VersionReader {
  const native = database.sqlite;
  if (native) {
    // Prepared on first use: the table exists only once migrations ran.
    let statement: SQLite.Statement<[], VersionRow> | undefined;
    return {
      sync: true,
      read() {
        if (native.inTransaction) return null;
        statement ??= native.prepare<[], VersionRow>('select * from change_versions where id = 1');
        return statement.get() ?? null;
      },
    };
  }
  const query = database.db.selectFrom('change_versions').selectAll().where('id', '=', 1);
  return { sync: false, read: () => query.executeTakeFirstOrThrow() };
}
