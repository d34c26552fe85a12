/**
 * HR signals: what the HR system reported about each staff member (hired, notice, leave, termination, role
 * changes), kept so the watcher and the directory can ask when notice was given. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function hrSignals(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hr_signals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('signal', 'text', (c) => c.notNull())
        .addColumn('role', 'text')
        .addColumn('effective_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('hr_signals_staff_signal')
        .on('hr_signals')
        .columns(['staff_id', 'signal', 'effective_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('hr_signals').execute();
    },
  };
}
