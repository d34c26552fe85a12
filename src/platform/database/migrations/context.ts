/** What a migration may know about the dialect it runs on: the column types that differ between them. */
import type { DialectName } from '../database.ts';

export interface MigrationContext {
  dialect: DialectName;
  /** `blob` on SQLite, `bytea` on PostgreSQL. */
  binary: 'blob' | 'bytea';
}

export function migrationContext(dialect: DialectName): MigrationContext {
  return { dialect, binary: dialect === 'sqlite' ? 'blob' : 'bytea' };
}
